import { mintToken } from '@switchboard/auth';
import { type Config, createLogger, type LogLevel, loadConfig } from '@switchboard/runtime';
import { type Standalone, startStandalone } from '@switchboard/standalone';

export const TEST_SECRET = 'switchboard-test-secret-0123456789abcdef';

export interface StartOptions {
  /** Config overrides; ports default to 0 (random), hosts to 127.0.0.1, logs to silent. */
  config?: Partial<Config>;
}

/** A real Switchboard (all four services, in this process) listening on random loopback ports. */
export interface TestSwitchboard {
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  /** http://127.0.0.1:<port> — /healthz, /readyz, /metrics */
  httpUrl: string;
  /** The HS256 secret the server accepts. */
  secret: string;
  config: Config;
  /** Mints a token for `user`; grants default to join and publish on every room ('*'). */
  token(
    user: string,
    options?: { join?: string[]; publish?: string[]; meta?: Record<string, string>; ttlS?: number },
  ): string;
  /** Open connections on the edge. */
  connectionCount(): number;
  /** Abruptly destroys every server-side socket (no close frame), as a network cut would. */
  dropConnections(): void;
  /** Starts a graceful drain (clients get 4000 spread over `windowMs`). */
  drain(windowMs: number): Promise<void>;
  /** Stops everything; state in memory is lost. */
  stop(): Promise<void>;
  /** Stops and starts again on the same ports (memory state is lost: epochs change). */
  restart(): Promise<void>;
}

export async function startSwitchboard(options: StartOptions = {}): Promise<TestSwitchboard> {
  const config: Config = {
    ...loadConfig({}),
    wsHost: '127.0.0.1',
    wsPort: 0,
    httpHost: '127.0.0.1',
    httpPort: 0,
    logLevel: (process.env['SB_TEST_LOG'] as LogLevel | undefined) ?? 'silent',
    jwtSecrets: [TEST_SECRET],
    drainMs: 0,
    ...options.config,
  };
  const log = createLogger({ level: config.logLevel, name: 'test' });
  let instance: Standalone = await startStandalone(config, { log });
  const ports = { ws: instance.wsPort, http: instance.httpPort };
  return {
    wsUrl: `ws://127.0.0.1:${ports.ws}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    secret: TEST_SECRET,
    config,
    token: (user, o = {}) =>
      mintToken(TEST_SECRET, {
        user,
        join: o.join ?? ['*'],
        publish: o.publish ?? ['*'],
        ...(o.meta ? { meta: o.meta } : {}),
        ...(o.ttlS !== undefined ? { ttlS: o.ttlS } : {}),
      }),
    connectionCount: () => instance.edge.connectionCount,
    dropConnections: () => instance.edge.destroyAllSockets(),
    drain: (windowMs) => instance.drain(windowMs),
    stop: () => instance.stop(),
    async restart() {
      await instance.stop();
      instance = await startStandalone({ ...config, wsPort: ports.ws, httpPort: ports.http }, { log });
    },
  };
}

import { mintToken } from '@switchboard/auth';
import type { Bus } from '@switchboard/bus';
import { type Standalone, startStandalone } from '@switchboard/server';
import { loadConfig, type StandaloneConfig } from '@switchboard/server/config';
import { createLogger, type Logger, type LogLevel } from '@switchboard/telemetry';
import { type RedisClusterHandle, startRedisCluster } from './redis-topologies.js';
import {
  type NatsServerHandle,
  type RedisServerHandle,
  startNatsServer,
  startRedisServer,
} from './servers.js';

export const TEST_SECRET = 'switchboard-test-secret-0123456789abcdef';
/** The server API key test servers accept (`TestSwitchboard.apiKey`). */
export const TEST_API_KEY = 'switchboard-test-api-key-0123456789abcdef';

export type BackendKind = 'memory' | 'nats+redis' | 'nats+redis-cluster';

export interface StartOptions {
  /** Config overrides; ports default to 0 (random), hosts to 127.0.0.1, logs to silent. */
  config?: Partial<StandaloneConfig>;
  /**
   * `memory` (default): the embedded mode. `nats+redis`: the same process against a real
   * nats-server and redis-server that the harness starts (and stops) on free ports.
   * `nats+redis-cluster`: the same with a 3-master + 3-replica Redis Cluster (`redisCluster`).
   */
  backends?: BackendKind;
  /** The logger the server writes to (default: one at `config.logLevel`, silent unless SWITCHBOARD_TEST_LOG). */
  log?: Logger;
}

/** A real Switchboard (all four services, in this process) listening on random loopback ports. */
export interface TestSwitchboard {
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  /** http://127.0.0.1:<port> — /healthz, /readyz, /metrics */
  httpUrl: string;
  /** The HS256 secret the server accepts. */
  secret: string;
  /** `127.0.0.1:<port>` of the gRPC server API (docs/api.md). */
  grpcUrl: string;
  /** An API key the server API accepts. */
  apiKey: string;
  config: StandaloneConfig;
  /** Mints a token for `user`; grants default to join and publish on every room ('*'). */
  token(
    user: string,
    options?: { join?: string[]; publish?: string[]; meta?: Record<string, string>; ttlS?: number },
  ): string;
  /** A bus client, as an internal service has (memory hub or NATS). */
  connectBus(): Promise<Bus>;
  /** The real servers behind `nats+redis` mode (undefined in memory mode). */
  servers: { nats: NatsServerHandle; redis: RedisServerHandle } | undefined;
  /** The real servers behind `nats+redis-cluster` mode. */
  redisCluster: { nats: NatsServerHandle; redis: RedisClusterHandle } | undefined;
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
  const servers =
    options.backends === 'nats+redis'
      ? { nats: await startNatsServer(), redis: await startRedisServer() }
      : undefined;
  const redisCluster =
    options.backends === 'nats+redis-cluster'
      ? { nats: await startNatsServer(), redis: await startRedisCluster() }
      : undefined;
  const config: StandaloneConfig = {
    ...loadConfig({}),
    wsHost: '127.0.0.1',
    wsPort: 0,
    httpHost: '127.0.0.1',
    httpPort: 0,
    logLevel: (process.env['SWITCHBOARD_TEST_LOG'] as LogLevel | undefined) ?? 'silent',
    jwtSecrets: [TEST_SECRET],
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    apiKeys: [TEST_API_KEY],
    drainMs: 0,
    ...(servers
      ? {
          bus: 'nats' as const,
          natsUrl: servers.nats.url,
          store: 'redis' as const,
          redisUrl: servers.redis.url,
        }
      : {}),
    ...(redisCluster
      ? {
          bus: 'nats' as const,
          natsUrl: redisCluster.nats.url,
          store: 'redis' as const,
          redisClusterNodes: [...redisCluster.redis.nodes],
        }
      : {}),
    ...options.config,
  };
  const log = options.log ?? createLogger({ level: config.logLevel, name: 'test' });
  let instance: Standalone = await startStandalone(config, { log });
  const ports = { ws: instance.wsPort, http: instance.httpPort, grpc: instance.grpcPort ?? 0 };
  await waitReady(ports.http);
  return {
    wsUrl: `ws://127.0.0.1:${ports.ws}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    secret: TEST_SECRET,
    grpcUrl: `127.0.0.1:${ports.grpc}`,
    apiKey: config.apiKeys[0] ?? TEST_API_KEY,
    config,
    token: (user, o = {}) =>
      mintToken(TEST_SECRET, {
        user,
        join: o.join ?? ['*'],
        publish: o.publish ?? ['*'],
        ...(o.meta ? { meta: o.meta } : {}),
        ...(o.ttlS !== undefined ? { ttlS: o.ttlS } : {}),
      }),
    connectBus: () => instance.connectBus(),
    servers,
    redisCluster,
    connectionCount: () => instance.edge.connectionCount,
    dropConnections: () => instance.edge.destroyAllSockets(),
    drain: (windowMs) => instance.drain(windowMs),
    async stop() {
      await instance.stop();
      if (servers) await Promise.all([servers.nats.stop(), servers.redis.stop()]);
      if (redisCluster) await Promise.all([redisCluster.nats.stop(), redisCluster.redis.stop()]);
    },
    async restart() {
      // Only Switchboard restarts; in nats+redis mode the servers (and Redis's data) stay.
      await instance.stop();
      instance = await startStandalone(
        { ...config, wsPort: ports.ws, httpPort: ports.http, grpcPort: ports.grpc },
        { log },
      );
      await waitReady(ports.http);
    },
  };
}

/** Like a load balancer: traffic only once /readyz says so (Redis and NATS links are up). */
async function waitReady(httpPort: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      last = await res.text();
      if (res.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Switchboard did not become ready in ${timeoutMs} ms: ${last}`);
}

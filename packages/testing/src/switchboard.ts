import type { Config } from '@switchboard/runtime';

export interface StartOptions {
  /** Config overrides; ports default to 0 (random) and the log level to silent. */
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
  /** Mints a token for `user`; grants default to join and publish on every room ('*'). */
  token(user: string, options?: { join?: string[]; publish?: string[]; meta?: Record<string, string>; ttlS?: number }): string;
  /** Abruptly destroys every server-side socket (no close frame), as a network cut would. */
  dropConnections(): void;
  /** Stops everything; state in memory is lost. */
  stop(): Promise<void>;
  /** Stops and starts again on the same ports (memory state is lost: epochs change). */
  restart(): Promise<void>;
}

export async function startSwitchboard(_options: StartOptions = {}): Promise<TestSwitchboard> {
  throw new Error('not implemented yet');
}

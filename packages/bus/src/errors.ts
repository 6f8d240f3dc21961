/**
 * The bus's errors (request/reply and RPC): one class per failure, each with a stable `code`
 * and the underlying `cause`.
 * Callers branch on `instanceof` or on `code`, never on message text.
 */
export class SwitchboardError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bus request got no reply in time. */
export class TimeoutError extends SwitchboardError {
  constructor(subject: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('SB_ERR_TIMEOUT', `no reply on "${subject}" within ${timeoutMs} ms`, options);
  }
}

/** A bus request found nobody subscribed to its subject. */
export class NoRespondersError extends SwitchboardError {
  constructor(subject: string, options?: { cause?: unknown }) {
    super('SB_ERR_NO_RESPONDERS', `no responders on "${subject}"`, options);
  }
}

/** The bus or store was closed, or its connection is down. */
export class ClosedError extends SwitchboardError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('SB_ERR_CLOSED', `${what} is closed`, options);
  }
}

/** A subject that the bus cannot carry. */
export class BadSubjectError extends SwitchboardError {
  constructor(subject: string, why: string) {
    super('SB_ERR_BAD_SUBJECT', `bad subject "${subject}": ${why}`);
  }
}

/**
 * A service answered a request with a coded error (protocol `ErrorCode`). It crosses the bus
 * as `{error: {code, message}}` and is rethrown on the caller's side as this class.
 */
export class RemoteError extends SwitchboardError {
  readonly errorCode: number;
  readonly retryAfterMs: number | undefined;
  constructor(errorCode: number, message: string, retryAfterMs?: number) {
    super('SB_ERR_REMOTE', message);
    this.errorCode = errorCode;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Whether an error means "a backend is unreachable right now" (worth a retry), not a bug. */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    // Redis Cluster and Sentinel while a master fails over, and an append too few replicas
    // confirmed (SB_REDIS_WAIT_REPLICAS): a retry with the same idempotency key is safe.
    error.name === 'ClusterAllFailedError' ||
    error.name === 'ReplicationError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET/.test(error.message) ||
    /Cluster isn't ready|CLUSTERDOWN|TRYAGAIN|Failed to refresh slots cache|sentinels are unreachable|READONLY|LOADING/.test(
      error.message,
    )
  );
}

/** Invalid configuration. `problems` lists every problem found, each saying what to fix. */
export class ConfigError extends SwitchboardError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('SB_ERR_CONFIG', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

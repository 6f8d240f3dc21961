import { errorName, isTemporaryError } from '@switchboard/protocol';

/**
 * Every failure the SDK reports is a `SwitchboardError` subclass with a stable string `code`,
 * so apps can branch on `err.code` (or `instanceof`) instead of parsing messages.
 */
export class SwitchboardError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export type RequestOp = 'connect' | 'refresh' | 'join' | 'leave' | 'publish' | 'presence' | 'history';

/** The server answered a command with an error reply. */
export class RequestError extends SwitchboardError {
  readonly op: RequestOp;
  /** The protocol's numeric error code (`ErrorCode`). */
  readonly serverCode: number;
  /** 2000–2999: the same request may succeed later. 1000–1999: do not retry it unchanged. */
  readonly temporary: boolean;
  readonly retryAfterMs: number | undefined;
  /** For publishes: the idempotency key, so a retry cannot duplicate the message. */
  readonly key: string | undefined;
  constructor(op: RequestOp, body: { code: number; message: string; retryAfterMs?: number }, key?: string) {
    super('request_failed', `${op} failed: ${errorName(body.code)} (${body.code}): ${body.message}`);
    this.op = op;
    this.serverCode = body.code;
    this.temporary = isTemporaryError(body.code);
    this.retryAfterMs = body.retryAfterMs;
    this.key = key;
  }
}

/** No reply arrived within the request timeout. A publish may or may not have been accepted. */
export class TimeoutError extends SwitchboardError {
  readonly op: RequestOp;
  readonly timeoutMs: number;
  /** For publishes: retry with this key (`publish(..., { key })`) to avoid a duplicate. */
  readonly key: string | undefined;
  constructor(op: RequestOp, timeoutMs: number, key?: string) {
    super('timeout', `${op}: no reply within ${timeoutMs} ms`);
    this.op = op;
    this.timeoutMs = timeoutMs;
    this.key = key;
  }
}

/** A request that needs a live connection was made while there was none. */
export class NotConnectedError extends SwitchboardError {
  constructor(op: string) {
    super('not_connected', `${op}: not connected`);
  }
}

/** The connection dropped while this request waited for its reply; the outcome is unknown. */
export class ConnectionLostError extends SwitchboardError {
  constructor(op: string) {
    super('connection_lost', `${op}: the connection was lost before the reply`);
  }
}

/** `disconnect()` was called: pending requests and queued publishes end with this. */
export class ClientClosedError extends SwitchboardError {
  /** For publishes: the idempotency key. */
  readonly key: string | undefined;
  constructor(what: string, key?: string) {
    super('client_closed', `${what}: the client was disconnected`);
    this.key = key;
  }
}

/** The server closed the connection with a code that forbids reconnecting (or auth failed for good). */
export class ConnectionClosedError extends SwitchboardError {
  readonly closeCode: number;
  readonly reason: string;
  readonly key: string | undefined;
  constructor(closeCode: number, reason: string, options?: { cause?: unknown; key?: string | undefined }) {
    super('connection_closed', `connection closed for good: ${closeCode} ${reason}`, options);
    this.closeCode = closeCode;
    this.reason = reason;
    this.key = options?.key;
  }
}

/** The offline queue was full (policy `reject-new`), or this publish was evicted (policy `drop-oldest`). */
export class QueueFullError extends SwitchboardError {
  readonly key: string;
  constructor(key: string, evicted: boolean) {
    super(
      'queue_full',
      evicted ? 'publish evicted from the full offline queue' : 'offline queue is full; publish rejected',
    );
    this.key = key;
  }
}

/** The token provider threw or returned something that is not a non-empty string. */
export class TokenProviderError extends SwitchboardError {
  constructor(cause: unknown) {
    super('token_provider', 'the token provider failed', { cause });
  }
}

/** The server stayed silent longer than its advertised ping interval plus the grace. */
export class HeartbeatTimeoutError extends SwitchboardError {
  readonly silentMs: number;
  constructor(silentMs: number) {
    super('heartbeat_timeout', `no frame from the server for ${silentMs} ms`);
    this.silentMs = silentMs;
  }
}

/** The WebSocket could not be created or reported an error. */
export class TransportError extends SwitchboardError {
  constructor(message: string, cause?: unknown) {
    super('transport', message, { cause });
  }
}

/** The server sent a frame the SDK does not understand; it is ignored. */
export class ProtocolViolationError extends SwitchboardError {
  constructor(message: string) {
    super('protocol_violation', message);
  }
}

/** The request was called off by the app (a pending `join()` whose room was left). */
export class CancelledError extends SwitchboardError {
  constructor(op: string, why: string) {
    super('cancelled', `${op} cancelled: ${why}`);
  }
}

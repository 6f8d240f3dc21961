import { closeReason, ErrorCode, errorName, isTemporaryError } from '@switchboard/protocol';

/**
 * Every failure the SDK reports is a `SwitchboardError` subclass with a stable string `code`,
 * so apps can branch on `err.code` (or `instanceof`) instead of parsing messages.
 *
 * Each class spells out its `name`: `constructor.name` is mangled by minifiers, and the name is
 * what consoles and error trackers show.
 */
export class SwitchboardError extends Error {
  override name = 'SwitchboardError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An error reply's body, as the server sends it. */
export interface ServerErrorBody {
  code: number;
  message: string;
  retryAfterMs?: number;
}

export type RequestOp = 'connect' | 'refresh' | 'join' | 'leave' | 'publish' | 'presence' | 'history';

/** The server answered a command with an error reply. */
export class RequestError extends SwitchboardError {
  override name = 'RequestError';
  readonly op: RequestOp;
  /** The protocol's numeric error code (`ErrorCode`). */
  readonly serverCode: number;
  /** 2000–2999: the same request may succeed later. 1000–1999: do not retry it unchanged. */
  readonly temporary: boolean;
  readonly retryAfterMs: number | undefined;
  /** For publishes: the idempotency key, so a retry cannot duplicate the message. */
  readonly key: string | undefined;
  constructor(
    op: RequestOp,
    body: ServerErrorBody,
    key?: string,
    /** For subclasses: their own wording. */
    message = `${op} failed: ${errorName(body.code)} (${body.code}): ${body.message}`,
  ) {
    super('request_failed', message);
    this.op = op;
    this.serverCode = body.code;
    this.temporary = isTemporaryError(body.code);
    this.retryAfterMs = body.retryAfterMs;
    this.key = key;
  }
}

/** Connect refusals a fresh token can fix: the token was expired or not yet valid. */
const STALE_TOKEN_CODES = new Set<number>([ErrorCode.TokenExpired, ErrorCode.TokenNotYetValid]);

/**
 * The server refused the `connect` (bad, expired or revoked token, overload…): a `RequestError`
 * for `connect` (`code` `request_failed`, `serverCode` the protocol's code) whose message
 * carries the server's reason and code: "connect rejected: token expired (1101)".
 */
export class ConnectRejectedError extends RequestError {
  override name = 'ConnectRejectedError';
  constructor(body: ServerErrorBody) {
    super(
      'connect',
      body,
      undefined,
      `connect rejected: ${body.message || errorName(body.code)} (${body.code})`,
    );
  }

  /** The token was expired or not yet valid: a fresh one from a token function may be accepted. */
  get staleToken(): boolean {
    return STALE_TOKEN_CODES.has(this.serverCode);
  }
}

/**
 * The token function returned a token the server refused as expired or not yet valid (the
 * `error` event on such a connect; `cause` is the `ConnectRejectedError`). The client retries
 * with backoff, asking the function again each time.
 */
export class StaleTokenError extends SwitchboardError {
  override name = 'StaleTokenError';
  /** 1101 (expired) or 1102 (not yet valid). */
  readonly serverCode: number;
  constructor(rejected: ConnectRejectedError) {
    super('token_expired', `the token function returned a token the server refused: ${rejected.message}`, {
      cause: rejected,
    });
    this.serverCode = rejected.serverCode;
  }
}

/** No reply arrived within the request timeout. A publish may or may not have been accepted. */
export class TimeoutError extends SwitchboardError {
  override name = 'TimeoutError';
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
  override name = 'NotConnectedError';
  constructor(op: string) {
    super('not_connected', `${op}: not connected`);
  }
}

/** The connection dropped while this request waited for its reply; the outcome is unknown. */
export class ConnectionLostError extends SwitchboardError {
  override name = 'ConnectionLostError';
  constructor(op: string) {
    super('connection_lost', `${op}: the connection was lost before the reply`);
  }
}

/** `disconnect()` was called: pending requests and queued publishes end with this. */
export class ClientClosedError extends SwitchboardError {
  override name = 'ClientClosedError';
  /** For publishes: the idempotency key. */
  readonly key: string | undefined;
  constructor(what: string, key?: string) {
    super('client_closed', `${what}: the client was disconnected`);
    this.key = key;
  }
}

/**
 * The client stopped for good: the server closed with a code that forbids reconnecting, or
 * refused the connect for a reason a retry cannot fix. The message says why in the server's
 * words: "connect rejected: token invalid (1100)", "connection closed for good: kicked (4503)".
 */
export class ConnectionClosedError extends SwitchboardError {
  override name = 'ConnectionClosedError';
  readonly closeCode: number;
  readonly reason: string;
  readonly key: string | undefined;
  constructor(closeCode: number, reason: string, options?: { cause?: unknown; key?: string | undefined }) {
    super('connection_closed', closedMessage(closeCode, reason, options?.cause), options);
    this.closeCode = closeCode;
    this.reason = reason;
    this.key = options?.key;
  }
}

/** The offline queue was full (policy `reject-new`), or this publish was evicted (policy `drop-oldest`). */
export class QueueFullError extends SwitchboardError {
  override name = 'QueueFullError';
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
  override name = 'TokenProviderError';
  constructor(cause: unknown) {
    super('token_provider', `the token provider failed: ${describeCause(cause)}`, { cause });
  }
}

/** The server stayed silent longer than its advertised ping interval plus the grace. */
export class HeartbeatTimeoutError extends SwitchboardError {
  override name = 'HeartbeatTimeoutError';
  readonly silentMs: number;
  constructor(silentMs: number) {
    super('heartbeat_timeout', `no frame from the server for ${silentMs} ms`);
    this.silentMs = silentMs;
  }
}

/** The WebSocket could not be created or reported an error. */
export class TransportError extends SwitchboardError {
  override name = 'TransportError';
  constructor(message: string, cause?: unknown) {
    super('transport', message, { cause });
  }
}

/** The server sent a frame the SDK does not understand; it is ignored. */
export class ProtocolViolationError extends SwitchboardError {
  override name = 'ProtocolViolationError';
  constructor(message: string) {
    super('protocol_violation', message);
  }
}

/** The request was called off by the app (a pending `join()` whose room was left). */
export class CancelledError extends SwitchboardError {
  override name = 'CancelledError';
  constructor(op: string, why: string) {
    super('cancelled', `${op} cancelled: ${why}`);
  }
}

function closedMessage(closeCode: number, reason: string, cause: unknown): string {
  if (cause instanceof ConnectRejectedError) return cause.message;
  const why = reason && reason !== closeReason(closeCode) ? `${reason}, ` : '';
  return `connection closed for good: ${why}${closeReason(closeCode)} (${closeCode})`;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

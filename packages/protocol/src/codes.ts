/**
 * Error codes carried by command replies. The range tells a client what to do:
 * 1000–1999: the request is wrong — do not retry it unchanged;
 * 2000–2999: a temporary condition — retry with backoff.
 */
export const ErrorCode = {
  BadRequest: 1000,
  UnknownOp: 1001,
  NotAuthenticated: 1002,
  AlreadyAuthenticated: 1003,
  Forbidden: 1004,
  TooLarge: 1005,
  NotJoined: 1006,
  AlreadyJoined: 1007,
  TooManyRooms: 1008,
  TokenInvalid: 1100,
  TokenExpired: 1101,
  TokenNotYetValid: 1102,
  TokenRevoked: 1103,
  TokenUserMismatch: 1104,
  RateLimited: 2000,
  Timeout: 2001,
  Unavailable: 2002,
  Internal: 2003,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** True when retrying the same request later may succeed. */
export function isTemporaryError(code: number): boolean {
  return code >= 2000 && code < 3000;
}

/**
 * WebSocket close codes sent by the server. The range tells a client whether to reconnect:
 * 4000–4499: reconnect (with backoff and jitter);
 * 4500–4999: do not reconnect automatically — something must change first.
 * Standard codes (1000–1015) follow RFC 6455; a client reconnects after them.
 */
export const CloseCode = {
  Shutdown: 4000,
  TokenExpired: 4001,
  SlowConsumer: 4002,
  HeartbeatTimeout: 4003,
  AuthTimeout: 4004,
  RateLimited: 4005,
  Internal: 4006,
  Unauthorized: 4500,
  Forbidden: 4501,
  ProtocolError: 4502,
  Kicked: 4503,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Whether a client should reconnect by itself after the server closed with `code`. */
export function shouldReconnect(code: number): boolean {
  return !(code >= 4500 && code <= 4999);
}

/** A short machine-readable name for a close code, used in logs and metric labels. */
export function closeReason(code: number): string {
  for (const [name, value] of Object.entries(CloseCode)) {
    if (value === code) return toSnake(name);
  }
  if (code === 1000) return 'normal';
  if (code === 1001) return 'going_away';
  if (code === 1006) return 'abnormal';
  if (code === 1009) return 'too_large';
  return `code_${code}`;
}

/** A short machine-readable name for an error code. */
export function errorName(code: number): string {
  for (const [name, value] of Object.entries(ErrorCode)) {
    if (value === code) return toSnake(name);
  }
  return `code_${code}`;
}

function toSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`));
}

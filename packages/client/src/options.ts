import { type BackoffOptions, DEFAULT_BACKOFF, validateBackoff } from './backoff.js';
import { DEFAULT_QUEUE, type QueueOptions } from './queue.js';
import { DEFAULT_MAX_HELD } from './stream.js';
import type { WebSocketConstructor } from './transport.js';

export const SDK_NAME = 'sb-js/0.1.0';

/** Returns a fresh token; called before every connect and every refresh. */
export type TokenProvider = () => string | Promise<string>;

export interface ReconnectOptions extends BackoffOptions {
  /** A connection that stays up this long resets the backoff to its first step, ms. */
  resetAfterMs: number;
}

export interface ClientOptions {
  /** `ws://` or `wss://` URL of a Switchboard edge. */
  url: string;
  /** A token, or a function returning one (called on every connect and refresh). */
  token: string | TokenProvider;
  /** WebSocket implementation. Default: `globalThis.WebSocket`. In Node 20 pass `ws`'s `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Backoff between reconnect attempts, or `false` to never reconnect by itself. */
  reconnect?: Partial<ReconnectOptions> | false;
  /** Bounds of the queue that holds publishes made while disconnected. */
  queue?: Partial<QueueOptions>;
  /** How long a request waits for its reply once sent, ms. */
  requestTimeoutMs?: number;
  /** How long getting a token, opening the socket and the `connect` exchange may take, ms. */
  connectTimeoutMs?: number;
  /** Silence allowed beyond the server's ping interval before the link is declared dead, ms. */
  heartbeatGraceMs?: number;
  /** Refresh the token this long before it expires (at most half its remaining life), ms. */
  refreshMarginMs?: number;
  /** How long an out-of-order message waits for the ones before it before history is read, ms. */
  gapTimeoutMs?: number;
  /** Most out-of-order messages held per room while waiting for a hole to fill. */
  maxHeldPerRoom?: number;
  /** Sent in `connect` for server logs. */
  name?: string;
}

/** `ClientOptions` with every default filled in and every value checked. */
export interface ResolvedOptions {
  url: string;
  token: string | TokenProvider;
  WebSocket: WebSocketConstructor | undefined;
  reconnect: ReconnectOptions | false;
  queue: QueueOptions;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  heartbeatGraceMs: number;
  refreshMarginMs: number;
  gapTimeoutMs: number;
  maxHeldPerRoom: number;
  name: string;
}

export const DEFAULT_OPTIONS = Object.freeze({
  reconnect: Object.freeze({ ...DEFAULT_BACKOFF, resetAfterMs: 10_000 }),
  queue: DEFAULT_QUEUE,
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  heartbeatGraceMs: 5_000,
  refreshMarginMs: 30_000,
  gapTimeoutMs: 1_000,
  maxHeldPerRoom: DEFAULT_MAX_HELD,
});

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
    throw new TypeError('url must be a ws:// or wss:// URL');
  }
  if (typeof options.token !== 'function' && (typeof options.token !== 'string' || options.token === '')) {
    throw new TypeError('token must be a non-empty string or a function returning one');
  }
  let reconnect: ReconnectOptions | false = false;
  if (options.reconnect !== false) {
    reconnect = { ...DEFAULT_OPTIONS.reconnect, ...definedOnly(options.reconnect ?? {}) };
    validateBackoff(reconnect);
  }
  const queue: QueueOptions = { ...DEFAULT_QUEUE, ...definedOnly(options.queue ?? {}) };
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number`);
    return value;
  };
  return {
    url: options.url,
    token: options.token,
    WebSocket: options.WebSocket,
    reconnect,
    queue,
    requestTimeoutMs: positive(
      'requestTimeoutMs',
      options.requestTimeoutMs,
      DEFAULT_OPTIONS.requestTimeoutMs,
    ),
    connectTimeoutMs: positive(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      DEFAULT_OPTIONS.connectTimeoutMs,
    ),
    heartbeatGraceMs: positive(
      'heartbeatGraceMs',
      options.heartbeatGraceMs,
      DEFAULT_OPTIONS.heartbeatGraceMs,
    ),
    refreshMarginMs: positive('refreshMarginMs', options.refreshMarginMs, DEFAULT_OPTIONS.refreshMarginMs),
    gapTimeoutMs: positive('gapTimeoutMs', options.gapTimeoutMs, DEFAULT_OPTIONS.gapTimeoutMs),
    maxHeldPerRoom: positive('maxHeldPerRoom', options.maxHeldPerRoom, DEFAULT_OPTIONS.maxHeldPerRoom),
    name: options.name ?? SDK_NAME,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import {
  CloseCode,
  type ConnectResult,
  type DisconnectPush,
  type ErrorBody,
  ErrorCode,
  HISTORY_LIMIT_MAX,
  type HistoryResult,
  type JoinedPush,
  type JoinResult,
  type JsonValue,
  type LeftPush,
  type MessagePush,
  type Position,
  type PresenceMember,
  type PresencePush,
  type PublishResult,
  type ResultByOp,
  shouldReconnect,
  type UserPush,
} from '@switchboard/protocol';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, validateBackoff } from './backoff.js';
import { Emitter } from './emitter.js';
import {
  CancelledError,
  ClientClosedError,
  ConnectionClosedError,
  ConnectionLostError,
  HeartbeatTimeoutError,
  NotConnectedError,
  ProtocolViolationError,
  QueueFullError,
  RequestError,
  type RequestOp,
  type SwitchboardError,
  TimeoutError,
  TokenProviderError,
  TransportError,
} from './errors.js';
import { PresenceSet } from './presence.js';
import { BoundedQueue, DEFAULT_QUEUE, type QueueOptions } from './queue.js';
import { DEFAULT_MAX_HELD, RoomStream, type StreamOutput, type UnrecoveredReason } from './stream.js';
import {
  type CloseEventLike,
  frameText,
  globalWebSocket,
  type MessageEventLike,
  ReadyState,
  randomToken,
  utf8Length,
  type WebSocketConstructor,
  type WebSocketLike,
} from './transport.js';

export const SDK_NAME = 'sb-js/0.1.0';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';
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

interface ResolvedOptions {
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
  heartbeatGraceMs: 10_000,
  refreshMarginMs: 30_000,
  gapTimeoutMs: 1_000,
  maxHeldPerRoom: DEFAULT_MAX_HELD,
});

// ---- events -------------------------------------------------------------------------------

export interface StateEvent {
  state: ConnectionState;
  previous: ConnectionState;
}
export interface ConnectingEvent {
  /** 0 for the first attempt after `connect()` or after a stable connection. */
  attempt: number;
}
export interface DisconnectingEvent {
  code: number;
  reason: string;
}
export interface DisconnectedEvent {
  /** The server's close code, 1000 after `disconnect()`, or 1006 when the link failed without one. */
  code: number;
  reason: string;
  /** Whether the client will reconnect by itself. */
  reconnect: boolean;
  /** When `reconnect`: the delay before the next attempt, ms. */
  delayMs?: number;
  /** What went wrong, when something did. */
  error?: SwitchboardError | undefined;
}
export interface JoinedEvent {
  room: string;
  offset: number;
  epoch: string;
  /** True when this join re-established a room after a reconnect. */
  rejoin: boolean;
  /** For rejoins: whether every missed message was recovered (false also emits `unrecovered`). */
  recovered?: boolean;
  /**
   * True when a backend subscribed this connection (server-side subscribe), not `join()`.
   * After a reconnect the room is rejoined with this client's own token grants.
   */
  server?: boolean;
}
export interface LeftEvent {
  room: string;
  code: number;
  reason: string;
}
export interface UnrecoveredEvent {
  room: string;
  reason: UnrecoveredReason;
  /** Where the room's stream continues from; reload state up to here. */
  position: Position;
}
export interface PresenceEvent {
  room: string;
  members: PresenceMember[];
  joins: PresenceMember[];
  leaves: PresenceMember[];
  /** True when `members` was replaced by a snapshot (after a join or rejoin). */
  snapshot: boolean;
}
export interface TokenEvent {
  expiresAt: number | undefined;
}

export interface ClientEvents {
  state: StateEvent;
  connecting: ConnectingEvent;
  connected: ConnectResult;
  disconnecting: DisconnectingEvent;
  disconnected: DisconnectedEvent;
  error: SwitchboardError;
  message: MessagePush;
  joined: JoinedEvent;
  left: LeftEvent;
  unrecovered: UnrecoveredEvent;
  presence: PresenceEvent;
  token: TokenEvent;
  /** A notification from a backend to every connection of this user (not part of a room; not recovered). */
  notification: UserPush;
}

// ---- public request shapes ----------------------------------------------------------------

export interface JoinOptions {
  /** Keep `members(room)` in sync and emit `presence` events. */
  presence?: boolean;
}
export interface JoinInfo {
  room: string;
  offset: number;
  epoch: string;
}
export interface PublishOptions {
  /** Idempotency key; generated when omitted. Reuse it to retry a publish without duplicating it. */
  key?: string;
}
export interface HistoryOptions {
  since?: Position;
  limit?: number;
  reverse?: boolean;
}
/** A publish that `disconnect()` or a final close took back, so the app can keep or resend it. */
export interface UnsentPublish {
  room: string;
  event: string;
  data: JsonValue;
  key: string;
  /** It was on the wire without an ack: it may have been accepted (resend with the same key). */
  sent: boolean;
}

// ---- internals ----------------------------------------------------------------------------

type Timer = ReturnType<typeof setTimeout>;

interface PublishJob {
  readonly room: string;
  readonly event: string;
  readonly data: JsonValue;
  readonly key: string;
  readonly bytes: number;
  sent: boolean;
  resolve(result: PublishResult): void;
  reject(error: SwitchboardError): void;
}

interface Pending {
  readonly id: number;
  readonly op: RequestOp;
  timer?: Timer | undefined;
  readonly job?: PublishJob;
  onResult(result: unknown): void;
  onError(error: RequestError): void;
  onTimeout(): void;
  onLost(): void;
  onClosed(error: SwitchboardError): void;
}

interface OutboxEntry {
  readonly text: string;
  readonly pending?: Pending;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: SwitchboardError): void;
}

interface RoomEntry {
  readonly name: string;
  readonly stream: RoomStream;
  presence: PresenceSet | undefined;
  joined: boolean;
  joinInFlight: boolean;
  /** Pushes that arrived while the join was in flight; replayed after its reply. */
  early: MessagePush[] | undefined;
  waiters: Waiter<JoinInfo>[];
  gapTimer?: Timer | undefined;
  gapFetching: boolean;
  retryTimer?: Timer | undefined;
  retryAttempt: number;
}

/** Normal closure and "no close frame received" (RFC 6455). */
const CLOSE_NORMAL = 1000;
const CLOSE_ABNORMAL = 1006;
/** Bound on waiting for the close handshake after `disconnect()`: a dead link never answers. */
const CLOSE_WAIT_MS = 1_000;
/** Never refresh more often than this, whatever the clocks say. */
const MIN_REFRESH_DELAY_MS = 1_000;
/** Connect errors a fresh token from a provider can fix. */
const TOKEN_RETRYABLE = new Set<number>([ErrorCode.TokenExpired, ErrorCode.TokenNotYetValid]);

/**
 * A Switchboard connection that keeps itself alive: it reconnects with backoff, queues
 * publishes while offline, rejoins rooms with recovery and keeps presence in sync.
 */
export class SwitchboardClient extends Emitter<ClientEvents> {
  readonly #options: ResolvedOptions;
  readonly #queue: BoundedQueue<PublishJob>;
  readonly #rooms = new Map<string, RoomEntry>();
  readonly #keyPrefix = randomToken();
  #keySeq = 0;
  #nextId = 0;

  #state: ConnectionState = 'disconnected';
  /** connect() was called and neither disconnect() nor a final close happened since. */
  #active = false;
  #attempt = 0;
  #reconnectTimer: Timer | undefined;
  #connectWaiters: Waiter<ConnectResult>[] = [];

  // Per-connection state; reset by #dropConnection.
  /** Bumped whenever a connection attempt starts or ends, so stale async work can tell. */
  #generation = 0;
  #socket: WebSocketLike | undefined;
  #conn: ConnectResult | undefined;
  #pending = new Map<number, Pending>();
  #outbox: OutboxEntry[] = [];
  #connectTimer: Timer | undefined;
  #heartbeatTimer: Timer | undefined;
  #refreshTimer: Timer | undefined;
  #stableTimer: Timer | undefined;
  #pacerTimer: Timer | undefined;
  #closeWaitTimer: Timer | undefined;
  #lastFrameAt = 0;
  #tokens = Number.POSITIVE_INFINITY;
  #tokensAt = 0;
  #rate = Number.POSITIVE_INFINITY;
  #burst = Number.POSITIVE_INFINITY;
  #refreshing = false;
  #refreshAttempt = 0;
  #serverDisconnect: DisconnectPush | undefined;
  #connectError: SwitchboardError | undefined;
  #disconnectWaiters: Array<() => void> = [];

  constructor(options: ClientOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#queue = new BoundedQueue(this.#options.queue);
  }

  /** The connection's state right now. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The `connect` result of the live connection (user, conn id, limits), if connected. */
  get connection(): ConnectResult | undefined {
    return this.#conn;
  }

  /** Publishes waiting for a connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Rooms this client is joined to or joining (they are rejoined after every reconnect). */
  get rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  /** The last delivered position in `room`, used as `since` when rejoining. */
  position(room: string): Position | undefined {
    return this.#rooms.get(room)?.stream.position;
  }

  /** Members of `room` (joined with `presence: true`); undefined before the first snapshot. */
  members(room: string): PresenceMember[] | undefined {
    const presence = this.#rooms.get(room)?.presence;
    return presence?.synced ? presence.members : undefined;
  }

  /**
   * Starts connecting (and keeps reconnecting). Resolves on the next successful connect;
   * rejects only if the client stops for good first (`disconnect()` or a final close).
   */
  connect(): Promise<ConnectResult> {
    const promise = new Promise<ConnectResult>((resolve, reject) => {
      if (this.#state === 'connected' && this.#conn) resolve(this.#conn);
      else this.#connectWaiters.push({ resolve, reject });
    });
    // The caller may ignore the promise; its outcome is also reported through events.
    promise.catch(() => {});
    if (!this.#active) {
      this.#active = true;
      this.#attempt = 0;
      if (this.#state === 'disconnected' && this.#reconnectTimer === undefined) void this.#open();
    }
    return promise;
  }

  /**
   * Closes the connection and stops reconnecting. Pending requests reject with
   * `ClientClosedError`; queued and unacknowledged publishes are rejected the same way and
   * returned. Joined rooms are remembered: a later `connect()` rejoins them with recovery.
   */
  disconnect(): Promise<UnsentPublish[]> {
    const wasActive = this.#active;
    const unsent = this.#stop(new ClientClosedError('disconnect'));
    const socket = this.#socket;
    if (!socket) {
      // Waiting to reconnect, or still fetching a token: nothing to close, but the app hears
      // that the client is now down for good.
      if (wasActive || this.#state !== 'disconnected') {
        this.#dropConnection({ code: CLOSE_NORMAL, reason: 'client_disconnect' });
      }
      return Promise.resolve(unsent);
    }
    const closed = new Promise<UnsentPublish[]>((resolve) => {
      this.#disconnectWaiters.push(() => resolve(unsent));
    });
    if (this.#state !== 'disconnecting') {
      this.#setState('disconnecting');
      this.emit('disconnecting', { code: CLOSE_NORMAL, reason: 'client_disconnect' });
      try {
        socket.close(CLOSE_NORMAL, 'client_disconnect');
      } catch {
        // Already closing: the close event (or the wait timer) finishes the job.
      }
      this.#closeWaitTimer = setTimeout(() => {
        this.#dropConnection({ code: CLOSE_NORMAL, reason: 'client_disconnect' });
      }, CLOSE_WAIT_MS);
    }
    return closed;
  }

  /**
   * Joins `room` now or as soon as connected, and keeps it joined across reconnects (rejoining
   * with `since` = last delivered position). Resolves once the server confirmed the join.
   */
  join(room: string, options: JoinOptions = {}): Promise<JoinInfo> {
    let entry = this.#rooms.get(room);
    if (!entry) {
      entry = {
        name: room,
        stream: new RoomStream(this.#options.maxHeldPerRoom),
        presence: undefined,
        joined: false,
        joinInFlight: false,
        early: undefined,
        waiters: [],
        gapFetching: false,
        retryAttempt: 0,
      };
      this.#rooms.set(room, entry);
    }
    const current = entry;
    if (options.presence && !current.presence) {
      current.presence = new PresenceSet();
      if (current.joined && this.#state === 'connected') this.#fetchPresence(current);
    }
    const position = current.stream.position;
    if (current.joined && position) return Promise.resolve({ room, ...position });
    const promise = new Promise<JoinInfo>((resolve, reject) => current.waiters.push({ resolve, reject }));
    if (this.#state === 'connected' && !current.joinInFlight && current.retryTimer === undefined) {
      this.#sendJoin(current);
    }
    return promise;
  }

  /** Leaves `room` and forgets its position. A pending `join()` of it rejects with `CancelledError`. */
  leave(room: string): Promise<void> {
    const entry = this.#rooms.get(room);
    if (!entry) return Promise.resolve();
    this.#forgetRoom(entry, new CancelledError('join', `left ${room}`));
    if (this.#state !== 'connected' || !(entry.joined || entry.joinInFlight)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#request(
        { op: 'leave', room },
        {
          onResult: () => resolve(),
          // Not joined on the server (for example, the join was refused) is what we wanted.
          onError: (error) => (error.serverCode === ErrorCode.NotJoined ? resolve() : reject(error)),
          onTimeout: () => reject(new TimeoutError('leave', this.#options.requestTimeoutMs)),
          // A new connection starts without rooms, so the leave happened anyway.
          onLost: () => resolve(),
          onClosed: () => resolve(),
        },
      );
    });
  }

  /**
   * Publishes to `room`. Resolves with the message's offset once the server accepted it.
   * While disconnected the publish is queued (bounded, see `queue`) and sent after reconnect;
   * its idempotency key makes the resend safe.
   */
  publish(
    room: string,
    event: string,
    data: JsonValue = null,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    if (!this.#active) return Promise.reject(new NotConnectedError('publish'));
    const key = options.key ?? `${this.#keyPrefix}-${(++this.#keySeq).toString(36)}`;
    let bytes: number;
    try {
      bytes = utf8Length(JSON.stringify({ op: 'publish', id: 0, room, event, data, key }));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<PublishResult>((resolve, reject) => {
      const job: PublishJob = { room, event, data, key, bytes, sent: false, resolve, reject };
      if (this.#state === 'connected') {
        this.#sendPublish(job);
        return;
      }
      const outcome = this.#queue.offer(job);
      if (!outcome.accepted) reject(new QueueFullError(key, false));
      for (const evicted of outcome.evicted) evicted.reject(new QueueFullError(evicted.key, true));
    });
  }

  /** The current members of `room` (one request; needs a live connection). */
  presence(room: string): Promise<PresenceMember[]> {
    return this.#ask('presence', { op: 'presence', room }).then((result) => result.members);
  }

  /** Reads `room`'s history (needs a live connection). */
  history(room: string, options: HistoryOptions = {}): Promise<HistoryResult> {
    return this.#ask('history', { op: 'history', room, ...options });
  }

  // ---- connection lifecycle ---------------------------------------------------------------

  async #open(): Promise<void> {
    const generation = ++this.#generation;
    this.#serverDisconnect = undefined;
    this.#connectError = undefined;
    this.#setState('connecting');
    this.emit('connecting', { attempt: this.#attempt });
    if (generation !== this.#generation) return;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = setTimeout(() => {
      this.#fail('connect_timeout', new TimeoutError('connect', this.#options.connectTimeoutMs));
    }, this.#options.connectTimeoutMs);

    let token: string;
    try {
      token = await this.#token();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#fail(
        'token_provider_failed',
        error instanceof TokenProviderError ? error : new TokenProviderError(error),
      );
      return;
    }
    if (generation !== this.#generation) return;

    const WebSocketImpl = this.#options.WebSocket ?? globalWebSocket();
    let socket: WebSocketLike;
    try {
      if (!WebSocketImpl) throw new Error('no WebSocket implementation: pass the `WebSocket` option');
      socket = new WebSocketImpl(this.#options.url);
    } catch (error) {
      this.#fail('transport_error', new TransportError('could not create the WebSocket', error));
      return;
    }
    this.#socket = socket;
    let transportError: TransportError | undefined;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#lastFrameAt = Date.now();
      this.#request(
        { op: 'connect', token, client: this.#options.name },
        {
          onResult: (result) => this.#onConnected(result as ConnectResult),
          onError: (error) => {
            this.#connectError = error;
            this.#dropConnection({ code: CLOSE_ABNORMAL, reason: 'connect_rejected', error });
          },
          // The connect timer covers the whole exchange.
          onTimeout: () => {},
          onLost: () => {},
          onClosed: () => {},
        },
        false,
      );
    };
    socket.onmessage = (event: MessageEventLike) => {
      if (this.#socket !== socket || this.#state === 'disconnecting') return;
      this.#onFrame(event.data);
    };
    socket.onerror = (event: { message?: unknown; error?: unknown }) => {
      transportError = new TransportError(
        typeof event.message === 'string' ? event.message : 'WebSocket error',
        event.error,
      );
    };
    socket.onclose = (event: CloseEventLike) => {
      if (this.#socket !== socket) return;
      const push = this.#serverDisconnect;
      this.#dropConnection({
        code: push?.code ?? event.code ?? CLOSE_ABNORMAL,
        reason: push?.reason ?? event.reason ?? '',
        error: this.#connectError ?? transportError,
      });
    };
  }

  async #token(): Promise<string> {
    const source = this.#options.token;
    let token: unknown;
    try {
      token = typeof source === 'function' ? await source() : source;
    } catch (error) {
      throw new TokenProviderError(error);
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw new TokenProviderError(new TypeError('the token provider must return a non-empty string'));
    }
    return token;
  }

  #onConnected(result: ConnectResult): void {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#conn = result;
    this.#setPace(result.limits?.rate, result.limits?.burst);
    this.#startHeartbeat(result.ping);
    this.#scheduleRefresh(result.expiresAt);
    const reconnect = this.#options.reconnect;
    if (reconnect) {
      this.#stableTimer = setTimeout(() => {
        this.#attempt = 0;
      }, reconnect.resetAfterMs);
    }
    // Rejoins first, then the offline queue in its original order; all before any listener
    // runs, so a publish made from a `state` or `connected` handler lands after the queued ones.
    for (const entry of this.#rooms.values()) this.#sendJoin(entry);
    const queued = this.#queue.drain();
    for (const job of queued) this.#sendPublish(job);
    this.#setState('connected');
    this.emit('connected', result);
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.resolve(result);
  }

  /** A failure the client detected itself: report it and treat the link as gone. */
  #fail(reason: string, error: SwitchboardError): void {
    this.emit('error', error);
    this.#dropConnection({ code: CLOSE_ABNORMAL, reason, error });
  }

  /**
   * Ends the current connection attempt or connection: detaches the socket, clears every
   * per-connection timer, hands unacknowledged publishes back to the queue, then either
   * schedules a reconnect or stops for good.
   */
  #dropConnection(close: { code: number; reason: string; error?: SwitchboardError | undefined }): void {
    this.#generation += 1;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      // No-ops rather than null: `ws` emits 'error' when a socket is closed while connecting,
      // and an EventEmitter 'error' without a listener would crash the process.
      socket.onopen = noop;
      socket.onmessage = noop;
      socket.onerror = noop;
      socket.onclose = noop;
      if (socket.readyState === ReadyState.Connecting || socket.readyState === ReadyState.Open) {
        try {
          socket.close(CLOSE_NORMAL, close.reason.slice(0, 100));
        } catch {
          // Closing a socket that is still connecting throws in some runtimes; it is detached anyway.
        }
      }
    }
    for (const timer of [
      this.#connectTimer,
      this.#heartbeatTimer,
      this.#refreshTimer,
      this.#stableTimer,
      this.#pacerTimer,
      this.#closeWaitTimer,
    ]) {
      clearTimeout(timer);
    }
    this.#connectTimer = this.#heartbeatTimer = this.#refreshTimer = undefined;
    this.#stableTimer = this.#pacerTimer = this.#closeWaitTimer = undefined;
    this.#conn = undefined;
    this.#outbox = [];
    this.#refreshing = false;
    this.#refreshAttempt = 0;
    this.#setPace(undefined, undefined);

    const pending = [...this.#pending.values()];
    this.#pending.clear();
    const unacked: PublishJob[] = [];
    for (const request of pending) {
      clearTimeout(request.timer);
      if (request.job) unacked.push(request.job);
      else request.onLost();
    }
    for (const entry of this.#rooms.values()) {
      entry.stream.dropHeld();
      entry.early = undefined;
      entry.joinInFlight = false;
      entry.gapFetching = false;
      clearTimeout(entry.gapTimer);
      clearTimeout(entry.retryTimer);
      entry.gapTimer = entry.retryTimer = undefined;
      entry.presence?.abortSnapshot();
    }

    const wasDisconnecting = this.#state === 'disconnecting';
    if (wasDisconnecting || !this.#active) {
      // disconnect() already settled everything; finish its close.
      for (const job of unacked) job.reject(new ClientClosedError('publish', job.key));
      this.#setState('disconnected');
      this.emit('disconnected', { code: close.code, reason: close.reason, reconnect: false });
      const waiters = this.#disconnectWaiters;
      this.#disconnectWaiters = [];
      for (const resolve of waiters) resolve();
      // connect() was called while closing (and no listener has started an attempt since).
      if (this.#active && this.#state === 'disconnected' && this.#reconnectTimer === undefined) {
        void this.#open();
      }
      return;
    }

    // Unacknowledged publishes go back in front of newer ones: order is kept and their keys
    // make the resend harmless if the server did accept them.
    this.#queue.requeueFront(unacked);
    const retry = this.#retryDecision(close.code);
    this.#setState('disconnected');
    if (retry === false) {
      const error = new ConnectionClosedError(close.code, close.reason, { cause: close.error });
      this.#stop(error);
      this.emit('disconnected', { ...close, reconnect: false });
      return;
    }
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#active && this.#state === 'disconnected') void this.#open();
    }, retry);
    this.emit('disconnected', { ...close, reconnect: true, delayMs: retry });
  }

  /** The delay before reconnecting, or false when the client must not reconnect by itself. */
  #retryDecision(closeCode: number): number | false {
    const options = this.#options.reconnect;
    if (!options) return false;
    const connectError = this.#connectError;
    const push = this.#serverDisconnect;
    let retryAfterMs = 0;
    if (connectError instanceof RequestError) {
      const freshTokenMayFix =
        typeof this.#options.token === 'function' && TOKEN_RETRYABLE.has(connectError.serverCode);
      if (!connectError.temporary && !freshTokenMayFix) return false;
      retryAfterMs = connectError.retryAfterMs ?? 0;
    } else if (push ? !push.reconnect : !shouldReconnect(closeCode)) {
      return false;
    }
    if (closeCode === CloseCode.Shutdown) {
      // A draining server: come back right away, spread over the first backoff step.
      this.#attempt = 1;
      return Math.round(Math.random() * options.initialDelayMs);
    }
    const delay = backoffDelay(options, this.#attempt);
    this.#attempt += 1;
    return Math.max(delay, retryAfterMs);
  }

  /**
   * Stops for good: settles everything that would otherwise wait forever and returns the
   * publishes that were not acknowledged.
   */
  #stop(error: SwitchboardError): UnsentPublish[] {
    this.#active = false;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const unsent: UnsentPublish[] = [];
    const errorFor = (key?: string): SwitchboardError =>
      error instanceof ConnectionClosedError
        ? new ConnectionClosedError(error.closeCode, error.reason, { cause: error.cause, key })
        : new ClientClosedError('publish', key);
    for (const request of this.#pending.values()) {
      if (request.job) {
        unsent.push(toUnsent(request.job));
        request.job.reject(errorFor(request.job.key));
      }
    }
    // In-flight publishes were settled above; #dropConnection must not requeue them.
    for (const [id, request] of this.#pending) {
      clearTimeout(request.timer);
      if (request.job) this.#pending.delete(id);
      else {
        this.#pending.delete(id);
        request.onClosed(error);
      }
    }
    for (const job of this.#queue.drain()) {
      unsent.push(toUnsent(job));
      job.reject(errorFor(job.key));
    }
    for (const entry of [...this.#rooms.values()]) {
      if (!entry.joined) this.#forgetRoom(entry, error);
    }
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
    return unsent;
  }

  #setState(state: ConnectionState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.emit('state', { state, previous });
  }

  // ---- frames -------------------------------------------------------------------------------

  #onFrame(data: unknown): void {
    this.#lastFrameAt = Date.now();
    const text = frameText(data);
    let frame: unknown;
    try {
      if (text === undefined) throw new Error('binary frame');
      frame = JSON.parse(text);
    } catch {
      this.emit('error', new ProtocolViolationError('the server sent a frame that is not JSON text'));
      return;
    }
    if (!isRecord(frame)) {
      this.emit('error', new ProtocolViolationError('the server sent a frame that is not an object'));
      return;
    }
    if (typeof frame['t'] === 'string') this.#onPush(frame);
    else if ('result' in frame || 'error' in frame) this.#onReply(frame);
    else
      this.emit(
        'error',
        new ProtocolViolationError('the server sent a frame that is neither push nor reply'),
      );
  }

  #onReply(frame: Record<string, unknown>): void {
    const id = frame['id'];
    const request = typeof id === 'number' ? this.#pending.get(id) : undefined;
    const error = frame['error'];
    if (!request) {
      if (isRecord(error) && id === undefined) {
        this.emit(
          'error',
          new ProtocolViolationError(`the server rejected a frame: ${String(error['message'])}`),
        );
      }
      return;
    }
    this.#pending.delete(id as number);
    clearTimeout(request.timer);
    if (isRecord(error)) {
      const body: ErrorBody = {
        code: typeof error['code'] === 'number' ? error['code'] : ErrorCode.Internal,
        message: typeof error['message'] === 'string' ? error['message'] : '',
        ...(typeof error['retryAfterMs'] === 'number' ? { retryAfterMs: error['retryAfterMs'] } : {}),
      };
      request.onError(new RequestError(request.op, body, request.job?.key));
    } else {
      request.onResult(frame['result']);
    }
  }

  #onPush(frame: Record<string, unknown>): void {
    switch (frame['t']) {
      case 'msg':
        if (isMessage(frame)) this.#onMessage(frame);
        else this.emit('error', new ProtocolViolationError('malformed msg push'));
        return;
      case 'presence':
        if (typeof frame['room'] === 'string') this.#onPresence(frame as unknown as PresencePush);
        return;
      case 'ping':
        return;
      case 'refresh':
        void this.#refresh();
        return;
      case 'disconnect':
        this.#serverDisconnect = frame as unknown as DisconnectPush;
        return;
      case 'left':
        if (typeof frame['room'] === 'string') this.#onLeft(frame as unknown as LeftPush);
        return;
      case 'joined':
        if (
          typeof frame['room'] === 'string' &&
          typeof frame['offset'] === 'number' &&
          typeof frame['epoch'] === 'string'
        ) {
          this.#onServerJoined(frame as unknown as JoinedPush);
        }
        return;
      case 'user':
        if (typeof frame['event'] === 'string') this.emit('notification', frame as unknown as UserPush);
        return;
      default:
        // Newer servers may add pushes; ignoring unknown ones keeps old clients working.
        return;
    }
  }

  /** A backend joined this connection to a room: track it like a join from its position. */
  #onServerJoined(push: JoinedPush): void {
    if (this.#rooms.has(push.room)) return;
    const entry: RoomEntry = {
      name: push.room,
      stream: new RoomStream(this.#options.maxHeldPerRoom),
      presence: undefined,
      joined: true,
      joinInFlight: false,
      early: undefined,
      waiters: [],
      gapFetching: false,
      retryAttempt: 0,
    };
    this.#rooms.set(push.room, entry);
    const result: JoinResult = { room: push.room, offset: push.offset, epoch: push.epoch };
    this.#emitStream(entry, entry.stream.applyJoin(result, undefined));
    this.emit('joined', {
      room: push.room,
      offset: push.offset,
      epoch: push.epoch,
      rejoin: false,
      server: true,
    });
  }

  #onMessage(message: MessagePush): void {
    const entry = this.#rooms.get(message.room);
    if (!entry) return;
    if (entry.early) {
      // Bounded: what overflows comes back through the hole-filling history read.
      if (entry.early.length < this.#options.maxHeldPerRoom) entry.early.push(message);
      return;
    }
    if (!entry.joined) return;
    this.#emitStream(entry, entry.stream.applyPush(message));
    this.#watchGap(entry);
  }

  #onPresence(push: PresencePush): void {
    const entry = this.#rooms.get(push.room);
    const presence = entry?.presence;
    if (!entry || !presence?.synced) {
      presence?.applyDiff(push);
      return;
    }
    const change = presence.applyDiff(push);
    if (change && (change.joins.length > 0 || change.leaves.length > 0)) {
      this.emit('presence', { room: push.room, members: presence.members, ...change, snapshot: false });
    }
  }

  #onLeft(push: LeftPush): void {
    const entry = this.#rooms.get(push.room);
    if (!entry) return;
    this.#forgetRoom(entry, new RequestError('join', { code: push.code, message: push.reason }));
    this.emit('left', { room: push.room, code: push.code, reason: push.reason });
  }

  #emitStream(entry: RoomEntry, outputs: readonly StreamOutput[]): void {
    for (const output of outputs) {
      // A listener may have left the room; stop delivering to a room that is gone.
      if (this.#rooms.get(entry.name) !== entry) return;
      if (output.kind === 'message') this.emit('message', output.message);
      else this.emit('unrecovered', { room: entry.name, reason: output.reason, position: output.position });
    }
  }

  // ---- rooms --------------------------------------------------------------------------------

  #sendJoin(entry: RoomEntry): void {
    const since = entry.joined ? entry.stream.position : undefined;
    entry.joinInFlight = true;
    entry.early = [];
    this.#request(since ? { op: 'join', room: entry.name, since } : { op: 'join', room: entry.name }, {
      onResult: (raw) => {
        entry.joinInFlight = false;
        const early = entry.early ?? [];
        entry.early = undefined;
        if (this.#rooms.get(entry.name) !== entry) return;
        const result = raw as JoinResult;
        const rejoin = entry.joined;
        entry.joined = true;
        entry.retryAttempt = 0;
        this.#emitStream(entry, entry.stream.applyJoin(result, since));
        for (const message of early) this.#emitStream(entry, entry.stream.applyPush(message));
        // After an epoch change the new epoch's messages so far are read from history now.
        const immediate = entry.stream.missingFrom !== undefined;
        if (this.#rooms.get(entry.name) !== entry) return;
        this.emit('joined', {
          room: entry.name,
          offset: result.offset,
          epoch: result.epoch,
          rejoin,
          ...(since ? { recovered: result.recovered !== false && result.epoch === since.epoch } : {}),
        });
        const waiters = entry.waiters;
        entry.waiters = [];
        const info: JoinInfo = { room: entry.name, offset: result.offset, epoch: result.epoch };
        for (const waiter of waiters) waiter.resolve(info);
        if (entry.presence && this.#state === 'connected') this.#fetchPresence(entry);
        this.#watchGap(entry, immediate);
      },
      onError: (error) => {
        entry.joinInFlight = false;
        entry.early = undefined;
        if (this.#rooms.get(entry.name) !== entry) return;
        if (error.temporary) {
          const options = this.#options.reconnect || DEFAULT_OPTIONS.reconnect;
          const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(options, entry.retryAttempt++));
          entry.retryTimer = setTimeout(() => {
            entry.retryTimer = undefined;
            if (this.#state === 'connected' && this.#rooms.get(entry.name) === entry) this.#sendJoin(entry);
          }, delay);
          return;
        }
        const wasJoined = entry.joined;
        this.#forgetRoom(entry, error);
        this.emit('error', error);
        if (wasJoined) this.emit('left', { room: entry.name, code: error.serverCode, reason: error.message });
      },
      // A server that does not answer a join in time is not healthy; a fresh connection
      // rejoins every room from a clean slate instead of guessing what the server did.
      onTimeout: () =>
        this.#fail('request_timeout', new TimeoutError('join', this.#options.requestTimeoutMs)),
      onLost: () => {},
      onClosed: () => {},
    });
  }

  /** Removes a room and rejects whoever still waits for its join. */
  #forgetRoom(entry: RoomEntry, error: SwitchboardError): void {
    if (this.#rooms.get(entry.name) === entry) this.#rooms.delete(entry.name);
    clearTimeout(entry.gapTimer);
    clearTimeout(entry.retryTimer);
    entry.gapTimer = entry.retryTimer = undefined;
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  #fetchPresence(entry: RoomEntry): void {
    const presence = entry.presence;
    if (!presence) return;
    presence.beginSnapshot();
    this.#request(
      { op: 'presence', room: entry.name },
      {
        onResult: (raw) => {
          if (this.#rooms.get(entry.name) !== entry) return;
          const complete = presence.applySnapshot((raw as ResultByOp['presence']).members ?? []);
          this.emit('presence', {
            room: entry.name,
            members: presence.members,
            joins: [],
            leaves: [],
            snapshot: true,
          });
          if (!complete && this.#state === 'connected') this.#fetchPresence(entry);
        },
        onError: (error) => {
          presence.abortSnapshot();
          this.emit('error', error);
        },
        onTimeout: () => {
          presence.abortSnapshot();
          this.emit('error', new TimeoutError('presence', this.#options.requestTimeoutMs));
        },
        onLost: () => presence.abortSnapshot(),
        onClosed: () => presence.abortSnapshot(),
      },
    );
  }

  /**
   * A hole in a room's stream: give live delivery a moment to fill it (pushes may just be out
   * of order), then read history. `immediate` when waiting cannot help.
   */
  #watchGap(entry: RoomEntry, immediate = false): void {
    if (entry.stream.missingFrom === undefined) {
      clearTimeout(entry.gapTimer);
      entry.gapTimer = undefined;
      return;
    }
    if (entry.gapFetching) return;
    const urgent = immediate || entry.stream.heldCount >= this.#options.maxHeldPerRoom / 2;
    if (entry.gapTimer !== undefined && !urgent) return;
    clearTimeout(entry.gapTimer);
    entry.gapTimer = setTimeout(() => this.#fillGap(entry), urgent ? 0 : this.#options.gapTimeoutMs);
  }

  #fillGap(entry: RoomEntry): void {
    entry.gapTimer = undefined;
    const position = entry.stream.position;
    if (this.#state !== 'connected' || this.#rooms.get(entry.name) !== entry) return;
    if (!position || entry.stream.missingFrom === undefined) return;
    entry.gapFetching = true;
    const limit = Math.min(HISTORY_LIMIT_MAX, Math.max(1, entry.stream.head - position.offset));
    const giveUp = (error: SwitchboardError) => {
      entry.gapFetching = false;
      if (this.#rooms.get(entry.name) !== entry) return;
      this.emit('error', error);
      this.#emitStream(entry, entry.stream.applyGapFill({ ...position, messages: [] }, limit));
      this.#watchGap(entry);
    };
    this.#request(
      { op: 'history', room: entry.name, since: position, limit },
      {
        onResult: (raw) => {
          entry.gapFetching = false;
          if (this.#rooms.get(entry.name) !== entry) return;
          this.#emitStream(entry, entry.stream.applyGapFill(raw as HistoryResult, limit));
          // A full page leaves more to read: go on at once.
          this.#watchGap(entry, true);
        },
        onError: giveUp,
        onTimeout: () => giveUp(new TimeoutError('history', this.#options.requestTimeoutMs)),
        // Held messages were dropped with the connection; the rejoin recovers them.
        onLost: () => {},
        onClosed: () => {},
      },
    );
  }

  // ---- requests -----------------------------------------------------------------------------

  #sendPublish(job: PublishJob): void {
    this.#request(
      { op: 'publish', room: job.room, event: job.event, data: job.data, key: job.key },
      {
        onResult: (result) => job.resolve(result as PublishResult),
        onError: (error) => job.reject(error),
        onTimeout: () => job.reject(new TimeoutError('publish', this.#options.requestTimeoutMs, job.key)),
        onLost: () => {},
        onClosed: () => {},
      },
      true,
      job,
    );
  }

  /** A one-shot request that needs a live connection. */
  #ask<Op extends 'presence' | 'history'>(
    op: Op,
    command: { op: Op; room: string } & Record<string, unknown>,
  ): Promise<ResultByOp[Op]> {
    if (this.#state !== 'connected') return Promise.reject(new NotConnectedError(op));
    return new Promise((resolve, reject) => {
      this.#request(command, {
        onResult: (result) => resolve(result as ResultByOp[Op]),
        onError: reject,
        onTimeout: () => reject(new TimeoutError(op, this.#options.requestTimeoutMs)),
        onLost: () => reject(new ConnectionLostError(op)),
        onClosed: reject,
      });
    });
  }

  #request(
    command: { op: RequestOp } & Record<string, unknown>,
    handlers: Omit<Pending, 'id' | 'op' | 'timer' | 'job'>,
    timed = true,
    job?: PublishJob,
  ): void {
    const id = ++this.#nextId;
    const pending: Pending = { id, op: command.op, ...handlers, ...(job ? { job } : {}) };
    // The timer starts when the frame is written, not while it waits for the pacer.
    const entry: OutboxEntry = { text: JSON.stringify({ ...command, id }), ...(timed ? { pending } : {}) };
    this.#pending.set(id, pending);
    this.#outbox.push(entry);
    this.#flushOutbox();
  }

  /** Writes queued frames no faster than the server's advertised rate and burst allow. */
  #flushOutbox(): void {
    const socket = this.#socket;
    if (!socket || this.#pacerTimer !== undefined) return;
    const paced = Number.isFinite(this.#rate);
    while (this.#outbox.length > 0) {
      if (paced) {
        const now = Date.now();
        this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#tokensAt) * this.#rate) / 1000);
        this.#tokensAt = now;
      }
      if (paced && this.#tokens < 1) {
        const waitMs = Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
        this.#pacerTimer = setTimeout(() => {
          this.#pacerTimer = undefined;
          this.#flushOutbox();
        }, waitMs);
        return;
      }
      const entry = this.#outbox.shift() as OutboxEntry;
      this.#tokens -= 1;
      try {
        socket.send(entry.text);
      } catch (error) {
        this.#fail('transport_error', new TransportError('send failed', error));
        return;
      }
      if (entry.pending) {
        const pending = entry.pending;
        if (pending.job) pending.job.sent = true;
        pending.timer = setTimeout(() => {
          this.#pending.delete(pending.id);
          pending.onTimeout();
        }, this.#options.requestTimeoutMs);
      }
    }
  }

  #setPace(rate: number | undefined, burst: number | undefined): void {
    // Stay a little under the server's limits: its bucket counts arrivals, which can bunch up.
    this.#rate = rate && rate > 0 ? rate * 0.9 : Number.POSITIVE_INFINITY;
    this.#burst = burst && burst > 0 ? Math.max(1, Math.floor(burst * 0.8)) : Number.POSITIVE_INFINITY;
    this.#tokens = this.#burst;
    this.#tokensAt = Date.now();
  }

  // ---- heartbeat and token refresh ----------------------------------------------------------

  #startHeartbeat(pingMs: number | undefined): void {
    if (!pingMs || pingMs <= 0) return;
    const limit = pingMs + this.#options.heartbeatGraceMs;
    const check = () => {
      const silent = Date.now() - this.#lastFrameAt;
      if (silent >= limit) {
        this.#heartbeatTimer = undefined;
        this.#fail('heartbeat_timeout', new HeartbeatTimeoutError(silent));
      } else {
        this.#heartbeatTimer = setTimeout(check, limit - silent);
      }
    };
    this.#heartbeatTimer = setTimeout(check, limit);
  }

  #scheduleRefresh(expiresAt: number | undefined): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    if (expiresAt === undefined || typeof this.#options.token !== 'function') return;
    const remaining = expiresAt - Date.now();
    const margin = Math.min(this.#options.refreshMarginMs, Math.max(0, remaining / 2));
    const delay = Math.max(MIN_REFRESH_DELAY_MS, remaining - margin);
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      void this.#refresh();
    }, delay);
  }

  /** Sends `refresh` with a fresh token; on failure retries with backoff while the link lives. */
  async #refresh(): Promise<void> {
    if (this.#refreshing || this.#state !== 'connected' || typeof this.#options.token !== 'function') return;
    this.#refreshing = true;
    const generation = this.#generation;
    const retryLater = (error: SwitchboardError, retryAfterMs = 0) => {
      this.#refreshing = false;
      this.emit('error', error);
      if (generation !== this.#generation) return;
      const options = this.#options.reconnect || DEFAULT_OPTIONS.reconnect;
      const delay = Math.max(
        retryAfterMs,
        backoffDelay(options, this.#refreshAttempt++),
        MIN_REFRESH_DELAY_MS,
      );
      clearTimeout(this.#refreshTimer);
      this.#refreshTimer = setTimeout(() => {
        this.#refreshTimer = undefined;
        void this.#refresh();
      }, delay);
    };
    let token: string;
    try {
      token = await this.#token();
    } catch (error) {
      if (generation !== this.#generation) return;
      retryLater(error instanceof TokenProviderError ? error : new TokenProviderError(error));
      return;
    }
    if (generation !== this.#generation) return;
    this.#request(
      { op: 'refresh', token },
      {
        onResult: (raw) => {
          this.#refreshing = false;
          this.#refreshAttempt = 0;
          const expiresAt = (raw as ResultByOp['refresh']).expiresAt;
          this.#scheduleRefresh(expiresAt);
          this.emit('token', { expiresAt });
        },
        onError: (error) => retryLater(error, error.retryAfterMs),
        onTimeout: () => retryLater(new TimeoutError('refresh', this.#options.requestTimeoutMs)),
        onLost: () => {},
        onClosed: () => {},
      },
    );
  }
}

// ---- helpers ------------------------------------------------------------------------------

function resolveOptions(options: ClientOptions): ResolvedOptions {
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

function noop(): void {}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toUnsent(job: PublishJob): UnsentPublish {
  return { room: job.room, event: job.event, data: job.data, key: job.key, sent: job.sent };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMessage(frame: Record<string, unknown>): frame is Record<string, unknown> & MessagePush {
  return (
    typeof frame['room'] === 'string' &&
    typeof frame['offset'] === 'number' &&
    Number.isSafeInteger(frame['offset']) &&
    typeof frame['epoch'] === 'string' &&
    typeof frame['event'] === 'string'
  );
}

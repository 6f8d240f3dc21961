import {
  CloseCode,
  type ConnectResult,
  ErrorCode,
  type HistoryResult,
  type JoinedPush,
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
import { backoffDelay } from './backoff.js';
import { Emitter } from './emitter.js';
import {
  CancelledError,
  ClientClosedError,
  ConnectionClosedError,
  ConnectionLostError,
  NotConnectedError,
  ProtocolViolationError,
  QueueFullError,
  RequestError,
  type SwitchboardError,
  TimeoutError,
} from './errors.js';
import type { ClientEvents, ConnectionState } from './events.js';
import { NetworkStatus } from './network-status.js';
import { type ClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { BoundedQueue } from './queue.js';
import type { Command, PublishJob, RequestHandlers, Waiter } from './requests.js';
import { type JoinInfo, type RoomHost, RoomSubscription } from './room-subscription.js';
import { CLOSE_ABNORMAL, CLOSE_NORMAL, Session, type SessionEnd, type SessionHost } from './session.js';
import { randomToken, utf8Length } from './transport.js';

/** The class's event map and constructor options, also importable with the class. */
export type { ClientEvents } from './events.js';
export type { ClientOptions } from './options.js';

// ---- public request shapes ----------------------------------------------------------------

export interface JoinOptions {
  /** Keep `members(room)` in sync and emit `presence` events. */
  presence?: boolean;
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

/**
 * A Switchboard connection that keeps itself alive: it reconnects with backoff, queues
 * publishes while offline, rejoins rooms with recovery and keeps presence in sync.
 *
 * This class holds what outlives a connection (state, rooms, the offline queue, reconnect
 * backoff); each connection is a Session, each room a RoomSubscription.
 */
export class SwitchboardClient extends Emitter<ClientEvents> {
  readonly #options: ResolvedOptions;
  readonly #queue: BoundedQueue<PublishJob>;
  readonly #rooms = new Map<string, RoomSubscription>();
  readonly #keyPrefix = randomToken();
  #keySeq = 0;
  #nextId = 0;

  #state: ConnectionState = 'disconnected';
  /** connect() was called and neither disconnect() nor a final close happened since. */
  #active = false;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #connectWaiters: Waiter<ConnectResult>[] = [];
  #disconnectWaiters: Array<() => void> = [];
  /** The connection or connection attempt, if any. */
  #session: Session | undefined;
  readonly #sessionHost: SessionHost;
  readonly #roomHost: RoomHost;
  readonly #network: NetworkStatus;

  constructor(options: ClientOptions) {
    super();
    this.#network = new NetworkStatus({
      offline: () => this.#onOffline(),
      online: () => this.#onOnline(),
    });
    this.#options = resolveOptions(options);
    this.#queue = new BoundedQueue(this.#options.queue);
    const isConnected = () => this.#state === 'connected';
    this.#sessionHost = {
      connected: (result) => this.#onConnected(result),
      push: (frame) => this.#onPush(frame),
      error: (error) => this.emit('error', error),
      refreshed: (event) => this.emit('token', event),
      ended: (end) => this.#dropConnection(end),
      stable: () => {
        this.#attempt = 0;
      },
      isConnected,
      nextId: () => ++this.#nextId,
    };
    this.#roomHost = {
      options: this.#options,
      emit: (event, payload) => this.emit(event, payload),
      request: (command, handlers) => this.#request(command, handlers),
      isConnected,
      fail: (reason, error) => this.#session?.fail(reason, error),
      forget: (room) => this.#rooms.delete(room.name),
    };
  }

  /** The connection's state right now. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The `connect` result of the live connection (user, conn id, limits), if connected. */
  get connection(): ConnectResult | undefined {
    return this.#session?.connection;
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
    return this.#rooms.get(room)?.position;
  }

  /** Members of `room` (joined with `presence: true`); undefined before the first snapshot. */
  members(room: string): PresenceMember[] | undefined {
    return this.#rooms.get(room)?.members;
  }

  /**
   * Starts connecting (and keeps reconnecting). Resolves on the next successful connect;
   * rejects only if the client stops for good first (`disconnect()` or a final close).
   */
  connect(): Promise<ConnectResult> {
    const promise = new Promise<ConnectResult>((resolve, reject) => {
      const connection = this.connection;
      if (this.#state === 'connected' && connection) resolve(connection);
      else this.#connectWaiters.push({ resolve, reject });
    });
    // The caller may ignore the promise; its outcome is also reported through events.
    promise.catch(() => {});
    if (!this.#active) {
      this.#active = true;
      this.#attempt = 0;
      this.#network.watch();
      if (this.#state === 'disconnected' && this.#reconnectTimer === undefined) this.#open();
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
    const session = this.#session;
    if (!session?.hasSocket) {
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
      session.close();
    }
    return closed;
  }

  /**
   * Joins `room` now or as soon as connected, and keeps it joined across reconnects (rejoining
   * with `since` = last delivered position). Resolves once the server confirmed the join.
   */
  join(room: string, options: JoinOptions = {}): Promise<JoinInfo> {
    let subscription = this.#rooms.get(room);
    if (!subscription) {
      subscription = new RoomSubscription(room, this.#roomHost);
      this.#rooms.set(room, subscription);
    }
    return subscription.join(Boolean(options.presence));
  }

  /** Leaves `room` and forgets its position. A pending `join()` of it rejects with `CancelledError`. */
  leave(room: string): Promise<void> {
    const subscription = this.#rooms.get(room);
    if (!subscription) return Promise.resolve();
    subscription.forget(new CancelledError('join', `left ${room}`));
    if (this.#state !== 'connected' || !subscription.onServer) return Promise.resolve();
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
      if (this.#state === 'connected') this.#sendPublish(job);
      else this.#enqueue(job);
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

  #open(): void {
    const session = new Session(this.#sessionHost, this.#options);
    this.#session = session;
    this.#setState('connecting');
    this.emit('connecting', { attempt: this.#attempt });
    // A listener may have called disconnect() already.
    if (this.#session === session) void session.open();
  }

  #onConnected(result: ConnectResult): void {
    const session = this.#session;
    // Rejoins first, then the offline queue in its original order; all before any listener
    // runs, so a publish made from a `state` or `connected` handler lands after the queued ones.
    for (const room of this.#rooms.values()) room.sendJoin();
    for (const job of this.#queue.drain()) {
      // If the link failed while sending, the rest wait for the next connection.
      if (this.#session === session) this.#sendPublish(job);
      else this.#enqueue(job);
    }
    if (this.#session !== session) return;
    this.#setState('connected');
    this.emit('connected', result);
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.resolve(result);
  }

  /**
   * Ends the current connection attempt or connection: disposes its session, drops what rooms
   * held for it, hands unacknowledged publishes back to the queue, then either schedules a
   * reconnect or stops for good.
   */
  #dropConnection(close: SessionEnd): void {
    const session = this.#session;
    this.#session = undefined;
    const unacked = session?.dispose(close.reason) ?? [];
    for (const room of this.#rooms.values()) room.detach();

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
        this.#open();
      }
      return;
    }

    // Unacknowledged publishes go back in front of newer ones: order is kept and their keys
    // make the resend harmless if the server did accept them.
    this.#queue.requeueFront(unacked);
    const retry = this.#retryDecision(close.code, session);
    this.#setState('disconnected');
    if (retry === false) {
      const error = new ConnectionClosedError(close.code, close.reason, { cause: close.error });
      this.#stop(error);
      this.emit('disconnected', { ...close, reconnect: false });
      return;
    }
    if (this.#network.offline) {
      // No attempt can succeed while the browser is offline: the `online` event starts the next.
      this.emit('disconnected', { ...close, reconnect: true });
      return;
    }
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#active && this.#state === 'disconnected') this.#open();
    }, retry);
    this.emit('disconnected', { ...close, reconnect: true, delayMs: retry });
  }

  /** The delay before reconnecting, or false when the client must not reconnect by itself. */
  #retryDecision(closeCode: number, session: Session | undefined): number | false {
    const options = this.#options.reconnect;
    if (!options) return false;
    const connectError = session?.connectError;
    const push = session?.serverDisconnect;
    let retryAfterMs = 0;
    if (connectError) {
      const freshTokenMayFix = typeof this.#options.token === 'function' && connectError.staleToken;
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
    this.#network.unwatch();
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const unsent: UnsentPublish[] = [];
    const errorFor = (key?: string): SwitchboardError =>
      error instanceof ConnectionClosedError
        ? new ConnectionClosedError(error.closeCode, error.reason, { cause: error.cause, key })
        : new ClientClosedError('publish', key);
    const takeBack = (job: PublishJob) => {
      unsent.push(toUnsent(job));
      job.reject(errorFor(job.key));
    };
    // In-flight publishes are settled here; the session must not hand them back for requeueing.
    this.#session?.abandonRequests(error, takeBack);
    for (const job of this.#queue.drain()) takeBack(job);
    for (const room of [...this.#rooms.values()]) {
      if (!room.joined) room.forget(error);
    }
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
    return unsent;
  }

  /**
   * The browser went offline: the connection is suspect (a socket over a lost network can
   * stay "open" for minutes while writes pile up), so it is closed now and publishes wait in
   * the offline queue. No reconnect is attempted until the browser is back online.
   */
  #onOffline(): void {
    if (!this.#active) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.#session && this.#state !== 'disconnecting') {
      this.#dropConnection({ code: CLOSE_ABNORMAL, reason: 'offline' });
    }
  }

  /** The browser is back online: reconnect at once instead of waiting out the backoff delay. */
  #onOnline(): void {
    if (!this.#active || this.#state !== 'disconnected') return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#open();
  }

  #setState(state: ConnectionState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.emit('state', { state, previous });
  }

  // ---- pushes -------------------------------------------------------------------------------

  #onPush(frame: Record<string, unknown>): void {
    const room = typeof frame['room'] === 'string' ? this.#rooms.get(frame['room']) : undefined;
    switch (frame['t']) {
      case 'msg':
        if (isMessage(frame)) room?.onMessage(frame);
        else this.emit('error', new ProtocolViolationError('malformed msg push'));
        return;
      case 'presence':
        room?.onPresence(frame as unknown as PresencePush);
        return;
      case 'left':
        if (room) this.#onLeft(room, frame as unknown as LeftPush);
        return;
      case 'joined':
        if (typeof frame['offset'] === 'number' && typeof frame['epoch'] === 'string') {
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
    if (typeof push.room !== 'string' || this.#rooms.has(push.room)) return;
    const room = new RoomSubscription(push.room, this.#roomHost, true);
    this.#rooms.set(push.room, room);
    room.acceptServerJoin(push);
  }

  #onLeft(room: RoomSubscription, push: LeftPush): void {
    room.forget(new RequestError('join', { code: push.code, message: push.reason }));
    this.emit('left', { room: push.room, code: push.code, reason: push.reason });
  }

  // ---- requests -----------------------------------------------------------------------------

  #enqueue(job: PublishJob): void {
    const outcome = this.#queue.offer(job);
    if (!outcome.accepted) job.reject(new QueueFullError(job.key, false));
    for (const evicted of outcome.evicted) evicted.reject(new QueueFullError(evicted.key, true));
  }

  #sendPublish(job: PublishJob): void {
    this.#session?.request(
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

  #request(command: Command, handlers: RequestHandlers): void {
    if (this.#session) this.#session.request(command, handlers);
    else handlers.onLost();
  }
}

// ---- helpers ------------------------------------------------------------------------------

function toUnsent(job: PublishJob): UnsentPublish {
  return { room: job.room, event: job.event, data: job.data, key: job.key, sent: job.sent };
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

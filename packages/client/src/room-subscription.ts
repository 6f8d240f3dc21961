import {
  HISTORY_LIMIT_MAX,
  type HistoryResult,
  type JoinedPush,
  type JoinResult,
  type MessagePush,
  type PresenceMember,
  type PresencePush,
  type ResultByOp,
} from '@switchboard/protocol';
import { backoffDelay } from './backoff.js';
import { type SwitchboardError, TimeoutError } from './errors.js';
import type { EmitEvent } from './events.js';
import { DEFAULT_OPTIONS, type ResolvedOptions } from './options.js';
import { PresenceSet } from './presence.js';
import type { SendRequest, Waiter } from './requests.js';
import { RoomStream, type StreamOutput } from './stream.js';

type Timer = ReturnType<typeof setTimeout>;

/** Where a room was joined: offset and epoch of its stream at the join. */
export interface JoinInfo {
  room: string;
  offset: number;
  epoch: string;
}

export interface RoomHost {
  readonly options: ResolvedOptions;
  readonly emit: EmitEvent;
  /** Sends a request on the live connection. */
  readonly request: SendRequest;
  isConnected(): boolean;
  /** Ends the connection because of a failure the client detected. */
  fail(reason: string, error: SwitchboardError): void;
  /** The subscription is over (left, refused or removed by the server): stop tracking it. */
  forget(room: RoomSubscription): void;
}

/**
 * One room this client is joined to or joining: the join and every rejoin with `since` (the
 * last delivered position), in-order delivery through its RoomStream with holes filled from
 * history, and its presence. It outlives connections; once forgotten it is done for good (a
 * later `join()` of the same room makes a new one).
 */
export class RoomSubscription {
  readonly name: string;
  readonly #host: RoomHost;
  readonly #stream: RoomStream;
  #presence: PresenceSet | undefined;
  #joined: boolean;
  #joinInFlight = false;
  /** Pushes that arrived while the join was in flight; replayed after its reply. */
  #early: MessagePush[] | undefined;
  #waiters: Waiter<JoinInfo>[] = [];
  #gapTimer: Timer | undefined;
  #gapFetching = false;
  #retryTimer: Timer | undefined;
  #retryAttempt = 0;
  #forgotten = false;

  constructor(name: string, host: RoomHost, joined = false) {
    this.name = name;
    this.#host = host;
    this.#stream = new RoomStream(host.options.maxHeldPerRoom);
    this.#joined = joined;
  }

  /** The server confirmed a join (this connection or an earlier one). */
  get joined(): boolean {
    return this.#joined;
  }

  /** Joined or joining on the server: a `leave` has something to undo. */
  get onServer(): boolean {
    return this.#joined || this.#joinInFlight;
  }

  get position(): RoomStream['position'] {
    return this.#stream.position;
  }

  /** Undefined unless presence is on and the first snapshot arrived. */
  get members(): PresenceMember[] | undefined {
    return this.#presence?.synced ? this.#presence.members : undefined;
  }

  /** `join()`: resolves once the server confirmed the join (at once if it already has). */
  join(presence: boolean): Promise<JoinInfo> {
    if (presence && !this.#presence) {
      this.#presence = new PresenceSet();
      if (this.#joined && this.#host.isConnected()) this.#fetchPresence(this.#presence);
    }
    const position = this.#stream.position;
    if (this.#joined && position) return Promise.resolve({ room: this.name, ...position });
    const promise = new Promise<JoinInfo>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#host.isConnected() && !this.#joinInFlight && this.#retryTimer === undefined) this.sendJoin();
    return promise;
  }

  /** Sends `join`, with `since` when rejoining, so missed messages are recovered. */
  sendJoin(): void {
    const stream = this.#stream;
    const since = this.#joined ? stream.position : undefined;
    this.#joinInFlight = true;
    this.#early = [];
    this.#host.request(since ? { op: 'join', room: this.name, since } : { op: 'join', room: this.name }, {
      onResult: (raw) => {
        this.#joinInFlight = false;
        const early = this.#early ?? [];
        this.#early = undefined;
        if (this.#forgotten) return;
        const reply = raw as JoinResult;
        // A reply from an epoch older than ours (a server that stalled across the loss of the
        // room's stream) is reported as where we are, not as a move back to a replaced epoch.
        const position = stream.position;
        const result: JoinResult =
          position && stream.isStale(reply.epoch)
            ? { room: reply.room, offset: position.offset, epoch: position.epoch, recovered: false }
            : reply;
        const rejoin = this.#joined;
        this.#joined = true;
        this.#retryAttempt = 0;
        this.#emitStream(stream.applyJoin(reply, since));
        for (const message of early) this.#emitStream(stream.applyPush(message));
        // After an epoch change the new epoch's messages so far are read from history now.
        const immediate = stream.missingFrom !== undefined;
        if (this.#forgotten) return;
        this.#host.emit('joined', {
          room: this.name,
          offset: result.offset,
          epoch: result.epoch,
          rejoin,
          ...(since ? { recovered: result.recovered !== false && result.epoch === since.epoch } : {}),
        });
        const waiters = this.#waiters;
        this.#waiters = [];
        const info: JoinInfo = { room: this.name, offset: result.offset, epoch: result.epoch };
        for (const waiter of waiters) waiter.resolve(info);
        if (this.#presence && this.#host.isConnected()) this.#fetchPresence(this.#presence);
        this.#watchGap(immediate);
      },
      onError: (error) => {
        this.#joinInFlight = false;
        this.#early = undefined;
        if (this.#forgotten) return;
        if (error.temporary) {
          const options = this.#host.options.reconnect || DEFAULT_OPTIONS.reconnect;
          const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(options, this.#retryAttempt++));
          this.#retryTimer = setTimeout(() => {
            this.#retryTimer = undefined;
            if (this.#host.isConnected() && !this.#forgotten) this.sendJoin();
          }, delay);
          return;
        }
        const wasJoined = this.#joined;
        this.forget(error);
        this.#host.emit('error', error);
        if (wasJoined)
          this.#host.emit('left', { room: this.name, code: error.serverCode, reason: error.message });
      },
      // A server that does not answer a join in time is not healthy; a fresh connection
      // rejoins every room from a clean slate instead of guessing what the server did.
      onTimeout: () =>
        this.#host.fail('request_timeout', new TimeoutError('join', this.#host.options.requestTimeoutMs)),
      onLost: () => {},
      onClosed: () => {},
    });
  }

  /** A backend joined this connection to the room: start from its position. */
  acceptServerJoin(push: JoinedPush): void {
    const result: JoinResult = { room: push.room, offset: push.offset, epoch: push.epoch };
    this.#emitStream(this.#stream.applyJoin(result, undefined));
    this.#host.emit('joined', {
      room: push.room,
      offset: push.offset,
      epoch: push.epoch,
      rejoin: false,
      server: true,
    });
  }

  /** Ends the subscription and rejects whoever still waits for its join. */
  forget(error: SwitchboardError): void {
    if (!this.#forgotten) {
      this.#forgotten = true;
      this.#host.forget(this);
    }
    clearTimeout(this.#gapTimer);
    clearTimeout(this.#retryTimer);
    this.#gapTimer = this.#retryTimer = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** The connection ended: what belonged to it (held messages, timers, a snapshot) is dropped. */
  detach(): void {
    this.#stream.dropHeld();
    this.#early = undefined;
    this.#joinInFlight = false;
    this.#gapFetching = false;
    clearTimeout(this.#gapTimer);
    clearTimeout(this.#retryTimer);
    this.#gapTimer = this.#retryTimer = undefined;
    this.#presence?.abortSnapshot();
  }

  onMessage(message: MessagePush): void {
    if (this.#early) {
      // Bounded: what overflows comes back through the hole-filling history read.
      if (this.#early.length < this.#host.options.maxHeldPerRoom) this.#early.push(message);
      return;
    }
    if (!this.#joined) return;
    this.#emitStream(this.#stream.applyPush(message));
    this.#watchGap();
  }

  onPresence(push: PresencePush): void {
    const presence = this.#presence;
    if (!presence?.synced) {
      presence?.applyDiff(push);
      return;
    }
    const change = presence.applyDiff(push);
    if (change && (change.joins.length > 0 || change.leaves.length > 0)) {
      this.#host.emit('presence', { room: push.room, members: presence.members, ...change, snapshot: false });
    }
  }

  #emitStream(outputs: readonly StreamOutput[]): void {
    for (const output of outputs) {
      // A listener may have left the room; stop delivering to a room that is gone.
      if (this.#forgotten) return;
      if (output.kind === 'message') this.#host.emit('message', output.message);
      else
        this.#host.emit('unrecovered', { room: this.name, reason: output.reason, position: output.position });
    }
  }

  #fetchPresence(presence: PresenceSet): void {
    presence.beginSnapshot();
    this.#host.request(
      { op: 'presence', room: this.name },
      {
        onResult: (raw) => {
          if (this.#forgotten) return;
          const complete = presence.applySnapshot((raw as ResultByOp['presence']).members ?? []);
          this.#host.emit('presence', {
            room: this.name,
            members: presence.members,
            joins: [],
            leaves: [],
            snapshot: true,
          });
          if (!complete && this.#host.isConnected()) this.#fetchPresence(presence);
        },
        onError: (error) => {
          presence.abortSnapshot();
          this.#host.emit('error', error);
        },
        onTimeout: () => {
          presence.abortSnapshot();
          this.#host.emit('error', new TimeoutError('presence', this.#host.options.requestTimeoutMs));
        },
        onLost: () => presence.abortSnapshot(),
        onClosed: () => presence.abortSnapshot(),
      },
    );
  }

  /**
   * A hole in the stream: give live delivery a moment to fill it (pushes may just be out of
   * order), then read history. `immediate` when waiting cannot help.
   */
  #watchGap(immediate = false): void {
    if (this.#stream.missingFrom === undefined) {
      clearTimeout(this.#gapTimer);
      this.#gapTimer = undefined;
      return;
    }
    if (this.#gapFetching) return;
    const urgent = immediate || this.#stream.heldCount >= this.#host.options.maxHeldPerRoom / 2;
    if (this.#gapTimer !== undefined && !urgent) return;
    clearTimeout(this.#gapTimer);
    this.#gapTimer = setTimeout(() => this.#fillGap(), urgent ? 0 : this.#host.options.gapTimeoutMs);
  }

  #fillGap(): void {
    this.#gapTimer = undefined;
    const stream = this.#stream;
    const position = stream.position;
    if (!this.#host.isConnected() || this.#forgotten) return;
    if (!position || stream.missingFrom === undefined) return;
    this.#gapFetching = true;
    const limit = Math.min(HISTORY_LIMIT_MAX, Math.max(1, stream.head - position.offset));
    const giveUp = (error: SwitchboardError) => {
      this.#gapFetching = false;
      if (this.#forgotten) return;
      this.#host.emit('error', error);
      this.#emitStream(stream.applyGapFill({ ...position, messages: [] }, limit));
      this.#watchGap();
    };
    this.#host.request(
      { op: 'history', room: this.name, since: position, limit },
      {
        onResult: (raw) => {
          this.#gapFetching = false;
          if (this.#forgotten) return;
          const result = raw as HistoryResult;
          if (stream.isStale(result.epoch)) {
            // A page of a replaced stream: ask again after the usual wait, skip nothing.
            this.#watchGap();
            return;
          }
          this.#emitStream(stream.applyGapFill(result, limit));
          // A full page leaves more to read: go on at once.
          this.#watchGap(true);
        },
        onError: giveUp,
        onTimeout: () => giveUp(new TimeoutError('history', this.#host.options.requestTimeoutMs)),
        // Held messages were dropped with the connection; the rejoin recovers them.
        onLost: () => {},
        onClosed: () => {},
      },
    );
  }
}

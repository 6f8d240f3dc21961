import type { Duplex } from 'node:stream';
import type { Identity } from '@switchboard/auth';
import type { ClientCommand } from '@switchboard/protocol';
import { type BucketState, takeTokens } from '@switchboard/protocol';
import { type RawData, WebSocket } from 'ws';

/**
 * `pending`: waiting for `connect`; `authenticating`: verifying its token;
 * `open`: authenticated; `closed`: cleaned up (the socket may still be closing).
 */
export type ConnectionState = 'pending' | 'authenticating' | 'open' | 'closed';

/** Where a connection's socket events go: the edge's shared socket handlers call these. */
export interface SocketEvents {
  frame(conn: Connection, data: RawData, isBinary: boolean): void;
  closed(conn: Connection, code: number): void;
}

/** The per-connection rate limit: tokens per second and bucket size. */
export interface FrameRateRule {
  rate: number;
  burst: number;
}

/**
 * Per-connection state. Kept small on purpose (the budget is under 8 KB per idle
 * connection, socket included): no per-connection closures or listeners — the edge's
 * shared handlers find this object through `EdgeSocket.conn`. Rooms are not here: the
 * edge's membership keeps which rooms a connection is in.
 */
export class Connection {
  readonly id: string;
  readonly socket: EdgeSocket;
  /** The TCP socket under `socket`: room and user deliveries, framed once, are written here. */
  readonly raw: Duplex;
  readonly events: SocketEvents;
  #state: ConnectionState = 'pending';
  #identity: Identity | undefined = undefined;
  /** True when the upgrade request carried a valid `Authorization: Bearer` token. */
  #headerAuth = false;
  /** Cleared by the heartbeat sweep, set by any pong or frame. */
  #alive = true;
  readonly #bucket: BucketState;
  /** Frames refused by the rate limit since the last accepted one. */
  #rejected = 0;
  /** Auth deadline while pending; token expiry (then refresh grace) while open. */
  #deadline: NodeJS.Timeout | undefined = undefined;
  /** Close code the server sent, for the disconnect metric. */
  #closeCode: number | undefined = undefined;
  /** Commands pipelined behind `connect` while its token is verified (bounded). */
  #pipelined: ClientCommand[] | undefined = undefined;
  /** Publishes are forwarded one at a time so a sender's messages keep their order. */
  #publishTail: Promise<void> | undefined = undefined;

  constructor(id: string, socket: EdgeSocket, raw: Duplex, events: SocketEvents, burst: number) {
    this.id = id;
    this.socket = socket;
    this.raw = raw;
    this.events = events;
    this.#bucket = { tokens: burst, at: Date.now() };
    socket.conn = this;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Who the connection is, once open (and, after a refresh, with the newest token's grants). */
  get identity(): Identity | undefined {
    return this.#identity;
  }

  /** Authenticated by an `Authorization` header on the upgrade rather than by `connect`. */
  get authenticatedOnUpgrade(): boolean {
    return this.#headerAuth;
  }

  /** The close code the server chose, if it closed the connection. */
  get closeCode(): number | undefined {
    return this.#closeCode;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** `connect` arrived with a token: commands now wait for its verification. */
  beginAuthentication(): void {
    this.#state = 'authenticating';
  }

  /** The token is good: the connection is open and its auth deadline no longer applies. */
  open(identity: Identity, onUpgrade = false): void {
    this.clearDeadline();
    this.#state = 'open';
    this.#identity = identity;
    if (onUpgrade) this.#headerAuth = true;
  }

  /** A refreshed token for the same user: newer grants and expiry. */
  replaceIdentity(identity: Identity): void {
    this.#identity = identity;
  }

  /** The server is closing it with `code` (kept for the disconnect metric). */
  closingWith(code: number): void {
    this.#closeCode = code;
  }

  /** Marks it closed, once: false when it already was. Drops pipelined commands and the deadline. */
  markClosed(): boolean {
    if (this.#state === 'closed') return false;
    this.#state = 'closed';
    this.#pipelined = undefined;
    this.clearDeadline();
    return true;
  }

  // ---- heartbeat ------------------------------------------------------------------------------

  /** Any frame or pong shows the peer is there. */
  heardFrom(): void {
    this.#alive = true;
  }

  /** True when nothing was heard since the last sweep started a new interval. */
  awaitingPong(): boolean {
    return !this.#alive;
  }

  /** For the heartbeat sweep: true when heard from since the last sweep; starts a new interval. */
  checkAlive(): boolean {
    if (!this.#alive) return false;
    this.#alive = false;
    return true;
  }

  // ---- frame rate -----------------------------------------------------------------------------

  /**
   * Takes a token for one frame. Returns 0 when the frame is allowed, otherwise how many
   * frames in a row were refused (with `retryAfterMs`).
   */
  takeFrameToken(rule: FrameRateRule, now: number): { refusedInARow: number; retryAfterMs: number } {
    const limit = takeTokens(this.#bucket, rule, now);
    if (limit.allowed) {
      this.#rejected = 0;
      return { refusedInARow: 0, retryAfterMs: 0 };
    }
    this.#rejected++;
    return { refusedInARow: this.#rejected, retryAfterMs: limit.retryAfterMs };
  }

  // ---- deadlines ------------------------------------------------------------------------------

  /** Replaces the connection's one deadline (auth timeout, token expiry or refresh grace). */
  setDeadline(timer: NodeJS.Timeout): void {
    clearTimeout(this.#deadline);
    this.#deadline = timer;
  }

  clearDeadline(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  // ---- command order --------------------------------------------------------------------------

  /** Queues a command behind `connect`; false when `max` are already waiting. */
  pipeline(command: ClientCommand, max: number): boolean {
    this.#pipelined ??= [];
    if (this.#pipelined.length >= max) return false;
    this.#pipelined.push(command);
    return true;
  }

  /** The commands queued behind `connect`, handed over once. */
  takePipelined(): ClientCommand[] | undefined {
    const pipelined = this.#pipelined;
    this.#pipelined = undefined;
    return pipelined;
  }

  /** Runs `send` after this connection's earlier publishes have finished. */
  afterPreviousPublishes(send: () => Promise<void>): Promise<void> {
    const next = (this.#publishTail ?? Promise.resolve()).then(send);
    this.#publishTail = next;
    return next;
  }
}

/** The `ws` socket class the edge's server creates, carrying its Connection. */
export class EdgeSocket extends WebSocket {
  conn!: Connection;
}

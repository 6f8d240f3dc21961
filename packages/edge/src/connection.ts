import type { Duplex } from 'node:stream';
import type { Identity } from '@switchboard/auth';
import type { BucketState, ClientCommand } from '@switchboard/protocol';
import { type RawData, WebSocket } from 'ws';

/**
 * `pending`: waiting for `connect`; `authenticating`: verifying its token;
 * `open`: authenticated; `closed`: cleaned up (the socket may still be closing).
 */
export type ConnectionState = 'pending' | 'authenticating' | 'open' | 'closed';

/**
 * Per-connection state. Kept small on purpose (the budget is under 8 KB per idle
 * connection, socket included): no per-connection closures or listeners — the edge's
 * shared handlers find this object through `EdgeSocket.conn`.
 */
/** What a connection's socket events are handed to (the edge). */
export interface ConnectionOwner {
  onFrame(conn: Connection, data: RawData, isBinary: boolean): void;
  onSocketClosed(conn: Connection, code: number): void;
}

export class Connection {
  readonly id: string;
  readonly socket: EdgeSocket;
  readonly owner: ConnectionOwner;
  /** The TCP socket under `socket`: room and user deliveries, framed once, are written here. */
  readonly raw: Duplex;
  state: ConnectionState = 'pending';
  identity: Identity | undefined = undefined;
  /** True when the upgrade request carried a valid `Authorization: Bearer` token. */
  headerAuth = false;
  /** Rooms joined or being joined; created on first join. */
  rooms: Set<string> | undefined = undefined;
  /** Cleared by the heartbeat sweep, set by any pong or frame. */
  alive = true;
  readonly bucket: BucketState;
  /** Frames refused by the rate limit since the last accepted one. */
  rejected = 0;
  /** Auth deadline while pending; token expiry (then refresh grace) while open. */
  timer: NodeJS.Timeout | undefined = undefined;
  /** Close code the server sent, for the disconnect metric. */
  closeCode: number | undefined = undefined;
  /** Commands pipelined behind `connect` while its token is verified (bounded). */
  queued: ClientCommand[] | undefined = undefined;
  /** Publishes are forwarded one at a time so a sender's messages keep their order. */
  publishTail: Promise<void> | undefined = undefined;

  constructor(id: string, socket: EdgeSocket, raw: Duplex, owner: ConnectionOwner, burst: number) {
    this.id = id;
    this.socket = socket;
    this.raw = raw;
    this.owner = owner;
    this.bucket = { tokens: burst, at: Date.now() };
    socket.conn = this;
  }
}

/** The `ws` socket class the edge's server creates, carrying its Connection. */
export class EdgeSocket extends WebSocket {
  conn!: Connection;
}

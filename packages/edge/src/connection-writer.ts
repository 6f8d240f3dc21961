import { CloseCode, errorName } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import { WebSocket } from 'ws';
import type { Connection } from './connection.js';
import { errorBody, replyFrame } from './frames.js';
import type { EdgeMetrics } from './metrics.js';
import { HEARTBEAT_FRAMES, PING_CONTROL_FRAME, textFrame } from './ws-frame.js';

const TEXT = { binary: false } as const;

export interface ConnectionWriterDeps {
  metrics: EdgeMetrics;
  log: Logger;
  /** A connection whose socket holds more than this many unsent bytes is a slow consumer. */
  outboundMaxBytes: number;
  /** Called once a connection is closed by the server, to clean up after it. */
  closed(conn: Connection): void;
}

/**
 * Everything the edge sends to a client: frames written straight to the TCP socket, replies
 * and errors, and closes. The slow-consumer rule lives here: a write that would take the
 * socket's outbound buffer past the limit closes the connection instead.
 */
export class ConnectionWriter {
  readonly #metrics: EdgeMetrics;
  readonly #log: Logger;
  readonly #outboundMaxBytes: number;
  readonly #closed: (conn: Connection) => void;

  constructor(deps: ConnectionWriterDeps) {
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#outboundMaxBytes = deps.outboundMaxBytes;
    this.#closed = deps.closed;
  }

  /** Frames one serialized frame and writes it (replies, notices: one socket each). */
  send(conn: Connection, payload: Buffer, kind: string): boolean {
    return this.sendWire(conn, textFrame(payload), kind);
  }

  /**
   * The one write path: a ready WebSocket frame straight to the connection's TCP socket, past
   * ws's sender (which would build a header and queue per socket). Safe because compression is
   * off: ws writes each of its own frames (pings, close) synchronously, so frames never
   * interleave. A full outbound buffer means slow consumer. `kind` counts the frame; room
   * fan-out counts its frames in one step and passes none.
   */
  sendWire(conn: Connection, wire: Buffer, kind?: string): boolean {
    if (conn.isClosed || conn.socket.readyState !== WebSocket.OPEN) return false;
    if (conn.socket.bufferedAmount + wire.length > this.#outboundMaxBytes) {
      this.close(conn, CloseCode.SlowConsumer, 'slow consumer');
      return false;
    }
    conn.raw.write(wire);
    this.#metrics.bytesOut.inc(wire.length);
    if (kind !== undefined) this.#metrics.framesOut.inc({ kind });
    return true;
  }

  /**
   * One heartbeat, one socket write: an open connection gets the WebSocket ping and the app
   * push `{"t":"ping"}` in one prebuilt buffer (counted as one `ping` frame, as the push always
   * was); a connection not open yet only the WebSocket ping. Same path and slow-consumer rule as
   * room deliveries (the edge never negotiates compression, so frames are written as built).
   */
  ping(conn: Connection): boolean {
    return conn.isOpen
      ? this.sendWire(conn, HEARTBEAT_FRAMES, 'ping')
      : this.sendWire(conn, PING_CONTROL_FRAME);
  }

  /** A push frame (`t` plus fields), serialized and framed for one connection. */
  push(conn: Connection, push: { t: string } & Record<string, unknown>): boolean {
    return this.send(conn, Buffer.from(JSON.stringify(push)), push.t);
  }

  reply(conn: Connection, id: number | undefined, result: unknown): void {
    this.send(conn, Buffer.from(replyFrame(id, result)), 'reply');
  }

  /** A reply whose text is already serialized (history messages spliced in). */
  replyText(conn: Connection, text: string): void {
    this.send(conn, Buffer.from(text), 'reply');
  }

  replyError(
    conn: Connection,
    id: number | undefined,
    code: number,
    message: string,
    retryAfterMs?: number,
  ): void {
    this.#metrics.errors.inc({ code: errorName(code) });
    const error = retryAfterMs !== undefined ? { code, message, retryAfterMs } : { code, message };
    this.send(conn, Buffer.from(JSON.stringify(id === undefined ? { error } : { id, error })), 'reply');
  }

  /** Replies with the coded error a failure maps to (unknown failures are logged, never leaked). */
  replyFailure(conn: Connection, id: number | undefined, error: unknown): void {
    const body = errorBody(error, this.#log);
    this.replyError(conn, id, body.code, body.message, body.retryAfterMs);
  }

  /** Tells the client why, closes, and cleans up at once (the socket finishes closing on its own). */
  close(conn: Connection, code: number, reason: string): void {
    if (conn.isClosed) return;
    conn.closingWith(code);
    if (code === CloseCode.SlowConsumer) this.#metrics.slowConsumerCloses.inc();
    if (code !== CloseCode.SlowConsumer) {
      // A slow consumer's buffer is full: the close frame alone says it.
      const push = { t: 'disconnect', code, reason, reconnect: code < 4500 };
      conn.socket.send(JSON.stringify(push), TEXT);
    }
    conn.socket.close(code, reason.slice(0, 120));
    this.#closed(conn);
  }

  /** Cuts the socket without a close handshake (a peer that stopped answering), and cleans up. */
  terminate(conn: Connection, code: number): void {
    conn.closingWith(code);
    conn.socket.terminate();
    this.#closed(conn);
  }
}

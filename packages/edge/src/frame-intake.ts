import { type ClientCommand, CloseCode, ErrorCode, parseClientFrame } from '@switchboard/protocol';
import type { RawData } from 'ws';
import type { Connection, FrameRateRule } from './connection.js';
import type { ConnectionWriter } from './connection-writer.js';
import type { EdgeMetrics } from './metrics.js';

/** Commands a client may pipeline behind `connect` before its reply. */
const MAX_PIPELINED = 16;

export interface FrameIntakeDeps {
  writer: ConnectionWriter;
  metrics: EdgeMetrics;
  /** Per connection; a client refused more than `burst` frames in a row is closed. */
  rate: FrameRateRule;
  maxFrameBytes: number;
  /** Runs a valid command of a connection that may run it. */
  run(conn: Connection, command: ClientCommand): void;
}

/**
 * Turns a client's frames into typed commands, validated once, here: text only, rate-limited
 * per connection, within the size limit, well-formed, and nothing but `connect` before the
 * connection is open (commands pipelined behind `connect` wait for it).
 */
export class FrameIntake {
  readonly #writer: ConnectionWriter;
  readonly #metrics: EdgeMetrics;
  readonly #rate: FrameRateRule;
  readonly #maxFrameBytes: number;
  readonly #run: (conn: Connection, command: ClientCommand) => void;

  constructor(deps: FrameIntakeDeps) {
    this.#writer = deps.writer;
    this.#metrics = deps.metrics;
    this.#rate = { rate: deps.rate.rate, burst: deps.rate.burst };
    this.#maxFrameBytes = deps.maxFrameBytes;
    this.#run = deps.run;
  }

  receive(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.heardFrom();
    if (conn.isClosed) return;
    const command = this.#admit(conn, data, isBinary);
    if (!command) return;
    this.#metrics.framesIn.inc({ op: command.op });
    if (conn.isOpen || command.op === 'connect') this.#run(conn, command);
    else this.#beforeOpen(conn, command);
  }

  /** The frame's command when it passes every check; otherwise the client has been answered. */
  #admit(conn: Connection, data: RawData, isBinary: boolean): ClientCommand | undefined {
    if (isBinary) {
      this.#metrics.framesIn.inc({ op: 'invalid' });
      this.#writer.replyError(
        conn,
        undefined,
        ErrorCode.BadRequest,
        'binary frames are not supported; send JSON text',
      );
      return undefined;
    }
    const buffer = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    this.#metrics.bytesIn.inc(buffer.length);
    const outcome = parseClientFrame(buffer.toString('utf8'));
    const id = outcome.ok ? outcome.command.id : outcome.id;
    const limit = conn.takeFrameToken(this.#rate, Date.now());
    if (limit.refusedInARow > 0) {
      // A client that keeps sending into an empty bucket is flooding, not bursting.
      if (limit.refusedInARow > this.#rate.burst) {
        this.#writer.close(conn, CloseCode.RateLimited, 'rate limit exceeded');
      } else {
        this.#writer.replyError(conn, id, ErrorCode.RateLimited, 'rate limit exceeded', limit.retryAfterMs);
      }
      return undefined;
    }
    if (buffer.length > this.#maxFrameBytes) {
      this.#metrics.framesIn.inc({ op: 'invalid' });
      this.#writer.replyError(
        conn,
        id,
        ErrorCode.TooLarge,
        `frame is ${buffer.length} bytes; the limit is ${this.#maxFrameBytes}`,
      );
      return undefined;
    }
    if (!outcome.ok) {
      this.#metrics.framesIn.inc({ op: 'invalid' });
      this.#writer.replyError(conn, outcome.id, outcome.code, outcome.message);
      return undefined;
    }
    return outcome.command;
  }

  /** A command other than `connect` before the connection is open. */
  #beforeOpen(conn: Connection, command: ClientCommand): void {
    if (conn.state === 'authenticating') {
      // Pipelining behind connect saves a round trip; the commands run once the token is good.
      if (!conn.pipeline(command, MAX_PIPELINED)) {
        this.#writer.replyError(
          conn,
          command.id,
          ErrorCode.NotAuthenticated,
          'too many commands before the connect reply',
        );
      }
      return;
    }
    this.#writer.replyError(conn, command.id, ErrorCode.NotAuthenticated, 'the first frame must be connect');
    this.#writer.close(conn, CloseCode.ProtocolError, 'command before connect');
  }
}

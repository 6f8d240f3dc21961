import {
  type BucketState,
  type ConnectResult,
  type DisconnectPush,
  type ErrorBody,
  ErrorCode,
  takeTokens,
} from '@switchboard/protocol';
import {
  ConnectRejectedError,
  HeartbeatTimeoutError,
  ProtocolViolationError,
  RequestError,
  type RequestOp,
  StaleTokenError,
  type SwitchboardError,
  TimeoutError,
  TokenProviderError,
  TransportError,
} from './errors.js';
import type { TokenEvent } from './events.js';
import type { ResolvedOptions } from './options.js';
import type { Command, PublishJob, RequestHandlers } from './requests.js';
import { getToken, TokenRefresh } from './token-refresh.js';
import {
  type CloseEventLike,
  frameText,
  globalWebSocket,
  type MessageEventLike,
  ReadyState,
  type WebSocketLike,
} from './transport.js';

/** Normal closure and "no close frame received" (RFC 6455). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_ABNORMAL = 1006;
/** Bound on waiting for the close handshake after `disconnect()`: a dead link never answers. */
const CLOSE_WAIT_MS = 1_000;

type Timer = ReturnType<typeof setTimeout>;

/** How a connection ended. */
export interface SessionEnd {
  code: number;
  reason: string;
  error?: SwitchboardError | undefined;
}

/** What a session reports to the client that owns it. */
export interface SessionHost {
  /** The `connect` exchange succeeded; pacing, heartbeat and token refresh run already. */
  connected(result: ConnectResult): void;
  /** A push about rooms or the user (the session handles the ones about the link itself). */
  push(frame: Record<string, unknown>): void;
  error(error: SwitchboardError): void;
  /** The token was refreshed. */
  refreshed(event: TokenEvent): void;
  /** The link ended (or never came up); the client disposes the session. */
  ended(end: SessionEnd): void;
  /** The connection stayed up for `reconnect.resetAfterMs`. */
  stable(): void;
  /** Whether the client is connected right now. */
  isConnected(): boolean;
  /** Request ids, unique for the client's lifetime. */
  nextId(): number;
}

interface Pending extends RequestHandlers {
  readonly id: number;
  readonly op: RequestOp;
  timer?: Timer;
  readonly job?: PublishJob;
}

interface OutboxEntry {
  readonly text: string;
  /** Set for requests whose reply is timed from the moment the frame is written. */
  readonly pending?: Pending;
}

/**
 * One connection attempt and, once it succeeds, the connection: token, socket, `connect`
 * handshake, request/reply matching, outbox pacing, heartbeat and token refresh. Created for
 * each attempt and disposed when it ends, so nothing of it outlives its socket.
 */
export class Session {
  readonly #host: SessionHost;
  readonly #options: ResolvedOptions;
  readonly #refresh: TokenRefresh;
  readonly #pending = new Map<number, Pending>();
  #outbox: OutboxEntry[] = [];
  #socket: WebSocketLike | undefined;
  #connection: ConnectResult | undefined;
  /** The server's pace, a little under its limits; undefined: unpaced. */
  #pace: { rate: number; burst: number } | undefined;
  #bucket: BucketState = { tokens: 0, at: 0 };
  #connectTimer: Timer | undefined;
  #heartbeatTimer: Timer | undefined;
  #stableTimer: Timer | undefined;
  #pacerTimer: Timer | undefined;
  #closeWaitTimer: Timer | undefined;
  #lastFrameAt = 0;
  #closing = false;
  #disposed = false;
  #serverDisconnect: DisconnectPush | undefined;
  #connectError: ConnectRejectedError | undefined;

  constructor(host: SessionHost, options: ResolvedOptions) {
    this.#host = host;
    this.#options = options;
    this.#refresh = new TokenRefresh(
      {
        request: (command, handlers) => this.request(command, handlers),
        isConnected: () => host.isConnected(),
        error: (error) => host.error(error),
        refreshed: (event) => host.refreshed(event),
      },
      options,
    );
  }

  /** The `connect` result, once the handshake succeeded. */
  get connection(): ConnectResult | undefined {
    return this.#connection;
  }

  get hasSocket(): boolean {
    return this.#socket !== undefined;
  }

  /** The server's `disconnect` push, if one came: it says whether to reconnect. */
  get serverDisconnect(): DisconnectPush | undefined {
    return this.#serverDisconnect;
  }

  /** The server's error reply to `connect`, if it refused the connection. */
  get connectError(): ConnectRejectedError | undefined {
    return this.#connectError;
  }

  /** Gets a token, opens the socket and sends `connect`; the connect timeout covers it all. */
  async open(): Promise<void> {
    this.#connectTimer = setTimeout(() => {
      this.fail('connect_timeout', new TimeoutError('connect', this.#options.connectTimeoutMs));
    }, this.#options.connectTimeoutMs);

    let token: string;
    try {
      token = await getToken(this.#options.token);
    } catch (error) {
      if (this.#disposed) return;
      this.fail(
        'token_provider_failed',
        error instanceof TokenProviderError ? error : new TokenProviderError(error),
      );
      return;
    }
    if (this.#disposed) return;

    const WebSocketImpl = this.#options.WebSocket ?? globalWebSocket();
    let socket: WebSocketLike;
    try {
      if (!WebSocketImpl) throw new Error('no WebSocket implementation: pass the `WebSocket` option');
      socket = new WebSocketImpl(this.#options.url);
    } catch (error) {
      this.fail('transport_error', new TransportError('could not create the WebSocket', error));
      return;
    }
    this.#socket = socket;
    this.#listen(socket, token);
  }

  /** Sends `connect` once the socket opens and routes its events; `dispose` unhooks them all. */
  #listen(socket: WebSocketLike, token: string): void {
    let transportError: TransportError | undefined;
    socket.onopen = () => {
      this.#lastFrameAt = Date.now();
      this.request(
        { op: 'connect', token, client: this.#options.name },
        {
          onResult: (result) => this.#onConnected(result as ConnectResult),
          onError: (error) => {
            const rejected =
              error instanceof ConnectRejectedError
                ? error
                : new ConnectRejectedError({ code: error.serverCode, message: error.message });
            this.#connectError = rejected;
            // Reported as an `error` event too: a refused connect is what apps most need to see.
            // A stale token from a token function gets its own code: the function needs fixing.
            const fromFunction = typeof this.#options.token === 'function';
            this.#host.error(rejected.staleToken && fromFunction ? new StaleTokenError(rejected) : rejected);
            this.#host.ended({ code: CLOSE_ABNORMAL, reason: 'connect_rejected', error: rejected });
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
      if (!this.#closing) this.#onFrame(event.data);
    };
    socket.onerror = (event: { message?: unknown; error?: unknown }) => {
      transportError = new TransportError(
        typeof event.message === 'string' ? event.message : 'WebSocket error',
        event.error,
      );
    };
    socket.onclose = (event: CloseEventLike) => {
      const push = this.#serverDisconnect;
      this.#host.ended({
        code: push?.code ?? event.code ?? CLOSE_ABNORMAL,
        reason: push?.reason ?? event.reason ?? '',
        error: this.#connectError ?? transportError,
      });
    };
  }

  /**
   * Sends a request (after what the outbox holds, at the server's pace). `timed`: its reply
   * times out `requestTimeoutMs` after the frame is written.
   */
  request(command: Command, handlers: RequestHandlers, timed = true, job?: PublishJob): void {
    if (this.#disposed) {
      // The link failed while the client was still sending; publishes are kept by the client.
      if (!job) handlers.onLost();
      return;
    }
    const id = this.#host.nextId();
    const pending: Pending = { id, op: command.op, ...handlers, ...(job ? { job } : {}) };
    const entry: OutboxEntry = { text: JSON.stringify({ ...command, id }), ...(timed ? { pending } : {}) };
    this.#pending.set(id, pending);
    this.#outbox.push(entry);
    this.#flushOutbox();
  }

  /** A failure the client detected itself: report it and end the connection. */
  fail(reason: string, error: SwitchboardError): void {
    this.#host.error(error);
    this.#host.ended({ code: CLOSE_ABNORMAL, reason, error });
  }

  /** `disconnect()`: starts the close handshake; the session ends when it completes or times out. */
  close(): void {
    if (!this.#socket) return;
    this.#closing = true;
    try {
      this.#socket.close(CLOSE_NORMAL, 'client_disconnect');
    } catch {
      // Already closing: the close event (or the wait timer) finishes the job.
    }
    this.#closeWaitTimer = setTimeout(() => {
      this.#host.ended({ code: CLOSE_NORMAL, reason: 'client_disconnect' });
    }, CLOSE_WAIT_MS);
  }

  /**
   * The client stops for good: publishes awaiting their ack go to `takeBack` (in order), then
   * every other request learns it will get no reply.
   */
  abandonRequests(error: SwitchboardError, takeBack: (job: PublishJob) => void): void {
    const requests = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of requests) if (request.job) takeBack(request.job);
    for (const request of requests) {
      clearTimeout(request.timer);
      if (!request.job) request.onClosed(error);
    }
  }

  /**
   * Ends the session: detaches and closes the socket, stops every timer and tells waiting
   * requests the connection is lost. Returns the publishes that were not acknowledged.
   */
  dispose(reason: string): PublishJob[] {
    this.#disposed = true;
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
          socket.close(CLOSE_NORMAL, reason.slice(0, 100));
        } catch {
          // Closing a socket that is still connecting throws in some runtimes; it is detached anyway.
        }
      }
    }
    for (const timer of [
      this.#connectTimer,
      this.#heartbeatTimer,
      this.#stableTimer,
      this.#pacerTimer,
      this.#closeWaitTimer,
    ]) {
      clearTimeout(timer);
    }
    this.#refresh.dispose();
    this.#connection = undefined;
    this.#outbox = [];

    const pending = [...this.#pending.values()];
    this.#pending.clear();
    const unacked: PublishJob[] = [];
    for (const request of pending) {
      clearTimeout(request.timer);
      if (request.job) unacked.push(request.job);
      else request.onLost();
    }
    return unacked;
  }

  #onConnected(result: ConnectResult): void {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#connection = result;
    this.#setPace(result.limits?.rate, result.limits?.burst);
    this.#startHeartbeat(result.ping);
    this.#refresh.schedule(result.expiresAt);
    const reconnect = this.#options.reconnect;
    if (reconnect) this.#stableTimer = setTimeout(() => this.#host.stable(), reconnect.resetAfterMs);
    this.#host.connected(result);
  }

  // ---- outbox -------------------------------------------------------------------------------

  /** Writes queued frames no faster than the server's advertised rate and burst allow. */
  #flushOutbox(): void {
    const socket = this.#socket;
    if (!socket || this.#pacerTimer !== undefined) return;
    while (this.#outbox.length > 0) {
      if (this.#pace) {
        const { allowed, retryAfterMs } = takeTokens(this.#bucket, this.#pace, Date.now());
        if (!allowed) {
          this.#pacerTimer = setTimeout(() => {
            this.#pacerTimer = undefined;
            this.#flushOutbox();
          }, retryAfterMs);
          return;
        }
      }
      const entry = this.#outbox.shift() as OutboxEntry;
      try {
        socket.send(entry.text);
      } catch (error) {
        this.fail('transport_error', new TransportError('send failed', error));
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
    if (!rate || rate <= 0) return;
    // Stay a little under the server's limits: its bucket counts arrivals, which can bunch up.
    const paceBurst = burst && burst > 0 ? Math.max(1, Math.floor(burst * 0.8)) : Number.POSITIVE_INFINITY;
    this.#pace = { rate: rate * 0.9, burst: paceBurst };
    this.#bucket = { tokens: paceBurst, at: Date.now() };
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  #startHeartbeat(pingMs: number | undefined): void {
    if (!pingMs || pingMs <= 0) return;
    const limit = pingMs + this.#options.heartbeatGraceMs;
    const check = () => {
      const silent = Date.now() - this.#lastFrameAt;
      if (silent >= limit) {
        this.#heartbeatTimer = undefined;
        this.fail('heartbeat_timeout', new HeartbeatTimeoutError(silent));
      } else {
        this.#heartbeatTimer = setTimeout(check, limit - silent);
      }
    };
    this.#heartbeatTimer = setTimeout(check, limit);
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
      this.#host.error(new ProtocolViolationError('the server sent a frame that is not JSON text'));
      return;
    }
    if (!isRecord(frame)) {
      this.#host.error(new ProtocolViolationError('the server sent a frame that is not an object'));
      return;
    }
    if (typeof frame['t'] === 'string') this.#onPush(frame);
    else if ('result' in frame || 'error' in frame) this.#onReply(frame);
    else
      this.#host.error(new ProtocolViolationError('the server sent a frame that is neither push nor reply'));
  }

  #onReply(frame: Record<string, unknown>): void {
    const id = frame['id'];
    const request = typeof id === 'number' ? this.#pending.get(id) : undefined;
    const error = frame['error'];
    if (!request) {
      if (isRecord(error) && id === undefined) {
        this.#host.error(
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
      request.onError(
        request.op === 'connect'
          ? new ConnectRejectedError(body)
          : new RequestError(request.op, body, request.job?.key),
      );
    } else {
      request.onResult(frame['result']);
    }
  }

  /** Pushes about the link itself stay here; the rest go to the client. */
  #onPush(frame: Record<string, unknown>): void {
    switch (frame['t']) {
      case 'ping':
        return;
      case 'refresh':
        void this.#refresh.refresh();
        return;
      case 'disconnect':
        this.#serverDisconnect = frame as unknown as DisconnectPush;
        return;
      default:
        this.#host.push(frame);
    }
  }
}

function noop(): void {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

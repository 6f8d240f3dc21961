import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuthClient, Identity } from '@switchboard/auth';
import type { PresenceClient } from '@switchboard/presence';
import {
  type ClientCommand,
  CloseCode,
  type ConnectResult,
  closeReason,
  ErrorCode,
  errorName,
  HISTORY_LIMIT_MAX,
  type HistoryCommand,
  type JoinCommand,
  type Limits,
  type Position,
  PROTOCOL_VERSION,
  type PublishCommand,
  parseClientFrame,
  SUBPROTOCOL,
} from '@switchboard/protocol';
import type { JoinReply, RouterClient } from '@switchboard/router';
import {
  type Bus,
  type ControlMessage,
  encodeJson,
  inSpan,
  type LifecycleKind,
  type Logger,
  randomId,
  SpanKind,
  Subjects,
  type Subscription,
  takeTokens,
} from '@switchboard/runtime';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { Connection, type ConnectionOwner, EdgeSocket } from './connection.js';
import { parseControl } from './control.js';
import { errorBody, replyFrame, replyWithFrames } from './frames.js';
import { LocalRooms } from './local-rooms.js';
import { LocalUsers } from './local-users.js';
import type { EdgeMetrics } from './metrics.js';
import { textFrame } from './ws-frame.js';

export interface EdgeOptions {
  nodeId: string;
  maxConnections: number;
  /** `*` allows any Origin. Requests without an Origin (non-browser clients) are always allowed. */
  allowedOrigins: readonly string[];
  authTimeoutMs: number;
  pingIntervalMs: number;
  maxFrameBytes: number;
  maxRoomsPerConnection: number;
  connectionRate: number;
  connectionBurst: number;
  outboundMaxBytes: number;
  tokenExpiryGraceMs: number;
  /** How often local presence entries are refreshed (a third of the presence TTL). */
  presenceRefreshMs: number;
  /** Publish connect, disconnect, join and leave on `sb.events.*`. */
  lifecycleEvents: boolean;
}

export interface EdgeDeps {
  bus: Bus;
  auth: AuthClient;
  router: RouterClient;
  presence: PresenceClient;
  metrics: EdgeMetrics;
  log: Logger;
  options: EdgeOptions;
}

const TEXT = { binary: false } as const;
/** The app-level heartbeat, framed once for every socket and every sweep. */
const PING_WIRE = textFrame(Buffer.from('{"t":"ping"}'));
/** setTimeout's ceiling (~24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;
const PRESENCE_REFRESH_BATCH = 500;
const MAX_PIPELINED = 16;
const STOP_GRACE_MS = 1_000;
const EDGE_READER = '@edge';
const NODE_HEARTBEAT_MS = 3_000;
const EDGE_VERSION = '0.1.0';

/**
 * The edge: terminates WebSockets and turns frames into typed commands (validated once,
 * here), forwards them to the auth, router and presence services over the bus, and writes
 * room deliveries to local members.
 */
export class Edge implements ConnectionOwner {
  readonly #deps: EdgeDeps;
  readonly #options: EdgeOptions;
  readonly #log: Logger;
  readonly #metrics: EdgeMetrics;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  /** Connections by id, for control messages that name one. */
  readonly #byId = new Map<string, Connection>();
  /** Sockets not yet fully closed (a cleaned-up connection's socket may still be closing). */
  readonly #sockets = new Set<EdgeSocket>();
  readonly #rooms: LocalRooms;
  readonly #users: LocalUsers;
  readonly #limits: Limits;
  readonly #rateRule: { rate: number; burst: number };
  #pendingUpgrades = 0;
  #draining = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #presenceRefresh: NodeJS.Timeout | undefined;
  #stopWatchingBus: (() => void) | undefined;
  #controlSub: Subscription | undefined;
  #nodeBeat: NodeJS.Timeout | undefined;
  readonly #startedAt = Date.now();

  constructor(deps: EdgeDeps) {
    this.#deps = deps;
    this.#options = deps.options;
    this.#log = deps.log;
    this.#metrics = deps.metrics;
    const o = deps.options;
    this.#limits = {
      maxFrameBytes: o.maxFrameBytes,
      maxRooms: o.maxRoomsPerConnection,
      rate: o.connectionRate,
      burst: o.connectionBurst,
    };
    this.#rateRule = { rate: o.connectionRate, burst: o.connectionBurst };
    this.#wss = new WebSocketServer({
      noServer: true,
      WebSocket: EdgeSocket,
      // Frames up to 4× the limit are read and answered with error 1005; beyond that ws closes with 1009.
      maxPayload: o.maxFrameBytes * 4,
      // Compression would cost a deflate per socket per message: the opposite of one serialization for all.
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    this.#users = new LocalUsers(deps.bus, {
      write: (conn, wire) => this.#writeWire(conn, wire, 'user'),
      control: (conns, message) => this.onControl(conns, message),
      log: deps.log,
    });
    this.#rooms = new LocalRooms({
      bus: deps.bus,
      metrics: deps.metrics,
      log: deps.log,
      holdLimitBytes: o.outboundMaxBytes,
      delivery: {
        write: (conn, wire) => this.#writeWire(conn, wire),
        overflow: (conn) => this.#close(conn, CloseCode.SlowConsumer, 'slow consumer'),
        fetchAfter: (room, offset, epoch) =>
          deps.router.history({
            // The edge reads on behalf of members it already admitted.
            user: EDGE_READER,
            grants: { join: [room], publish: [] },
            room,
            since: { offset, epoch },
            limit: HISTORY_LIMIT_MAX,
          }),
      },
    });
  }

  /** Starts heartbeats and presence refresh. The caller routes HTTP upgrades to `handleUpgrade`. */
  start(): void {
    this.#controlSub = this.#deps.bus.subscribe(Subjects.controlAll, (msg) => {
      const message = parseControl(msg.data, msg.headers);
      if (!message) return;
      const target =
        message.action === 'disconnect' && message.conn ? this.#byId.get(message.conn) : undefined;
      if (target) this.onControl([target], message);
    });
    this.#heartbeatNode();
    this.#nodeBeat = setInterval(() => this.#heartbeatNode(), NODE_HEARTBEAT_MS);
    this.#nodeBeat.unref();
    let wasDown = false;
    this.#stopWatchingBus = this.#deps.bus.onStatus((status) => {
      if (status === 'disconnected') wasDown = true;
      if (status === 'connected' && wasDown) {
        wasDown = false;
        this.#log.info('bus is back: catching up rooms from history');
        this.#rooms.catchUp();
      }
    });
    this.#heartbeat = setInterval(() => this.#sweep(), this.#options.pingIntervalMs);
    this.#heartbeat.unref();
    this.#presenceRefresh = setInterval(() => this.#refreshPresence(), this.#options.presenceRefreshMs);
    this.#presenceRefresh.unref();
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Ready to take connections: not draining and the bus is up. */
  ready(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.#draining) reasons.push('draining');
    if (this.#deps.bus.status() !== 'connected') reasons.push(`bus ${this.#deps.bus.status()}`);
    return { ready: reasons.length === 0, reasons };
  }

  // ---- upgrade ------------------------------------------------------------------------------

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A shared handler: a closure here would keep `req` and `head` alive as long as the socket.
    socket.on('error', destroyOnError);
    const refusal = this.#refusal(req);
    if (refusal) {
      this.#refuse(socket, refusal.status, refusal.result, refusal.message);
      return;
    }
    const authorization = req.headers.authorization;
    if (authorization === undefined) {
      this.#completeUpgrade(req, socket, head, undefined);
      return;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) {
      this.#refuse(socket, 401, 'auth', 'Authorization must be "Bearer <token>"');
      return;
    }
    this.#upgradeWithToken(req, socket, head, match[1]!);
  }

  #upgradeWithToken(req: IncomingMessage, socket: Duplex, head: Buffer, token: string): void {
    this.#pendingUpgrades++;
    this.#deps.auth.verify(token).then(
      (identity) => {
        this.#pendingUpgrades--;
        this.#completeUpgrade(req, socket, head, identity);
      },
      (error: unknown) => {
        this.#pendingUpgrades--;
        const body = errorBody(error, this.#log);
        this.#metrics.authFailures.inc({ reason: errorName(body.code) });
        this.#refuse(socket, body.code >= 2000 ? 503 : 401, 'auth', body.message, body.code);
      },
    );
  }

  /** Why an upgrade cannot be taken now, if it cannot: draining, full, or a foreign Origin. */
  #refusal(req: IncomingMessage): { status: number; result: string; message: string } | undefined {
    if (this.#draining)
      return { status: 503, result: 'draining', message: 'server is shutting down; reconnect' };
    if (this.#connections.size + this.#pendingUpgrades >= this.#options.maxConnections) {
      return { status: 503, result: 'full', message: 'connection limit reached; retry later' };
    }
    const origin = req.headers.origin;
    const origins = this.#options.allowedOrigins;
    if (origin !== undefined && !origins.includes('*') && !origins.includes(origin)) {
      return { status: 403, result: 'origin', message: 'origin not allowed' };
    }
    return undefined;
  }

  #completeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, identity: Identity | undefined): void {
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#metrics.upgrades.inc({ result: 'accepted' });
      this.#accept(ws as EdgeSocket, socket, identity);
    });
  }

  #refuse(socket: Duplex, status: number, result: string, message: string, code?: number): void {
    this.#log.debug({ status, result, code, reason: message }, 'upgrade refused');
    this.#metrics.upgrades.inc({ result: `rejected_${result}` });
    const body = JSON.stringify({
      error: { code: code ?? (status === 503 ? ErrorCode.Unavailable : ErrorCode.Forbidden), message },
    });
    const reason = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' }[status] ?? 'Error';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `${status === 503 ? 'Retry-After: 5\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  #accept(ws: EdgeSocket, raw: Duplex, identity: Identity | undefined): void {
    const conn = new Connection(randomId(12), ws, raw, this, this.#options.connectionBurst);
    this.#connections.add(conn);
    this.#byId.set(conn.id, conn);
    this.#sockets.add(ws);
    this.#metrics.connections.inc();
    ws.on('message', onSocketMessage);
    ws.on('close', onSocketClose);
    ws.on('pong', onSocketPong);
    ws.on('error', onSocketError);
    if (identity) {
      conn.headerAuth = true;
      this.#open(conn, identity);
    } else {
      conn.timer = setTimeout(
        () => this.#close(conn, CloseCode.AuthTimeout, 'no connect in time'),
        this.#options.authTimeoutMs,
      );
    }
  }

  // ---- frames -------------------------------------------------------------------------------

  /** @internal Shared socket handler target. */
  onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.alive = true;
    if (conn.state === 'closed') return;
    if (isBinary) {
      this.#metrics.framesIn.inc({ op: 'invalid' });
      this.#replyError(
        conn,
        undefined,
        ErrorCode.BadRequest,
        'binary frames are not supported; send JSON text',
      );
      return;
    }
    const buffer = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    const outcome = parseClientFrame(buffer.toString('utf8'));
    const id = outcome.ok ? outcome.command.id : outcome.id;
    const limit = takeTokens(conn.bucket, this.#rateRule, Date.now());
    if (!limit.allowed) {
      conn.rejected++;
      // A client that keeps sending into an empty bucket is flooding, not bursting.
      if (conn.rejected > this.#options.connectionBurst) {
        this.#close(conn, CloseCode.RateLimited, 'rate limit exceeded');
        return;
      }
      this.#replyError(conn, id, ErrorCode.RateLimited, 'rate limit exceeded', limit.retryAfterMs);
      return;
    }
    conn.rejected = 0;
    if (buffer.length > this.#options.maxFrameBytes) {
      this.#metrics.framesIn.inc({ op: 'invalid' });
      this.#replyError(
        conn,
        id,
        ErrorCode.TooLarge,
        `frame is ${buffer.length} bytes; the limit is ${this.#options.maxFrameBytes}`,
      );
      return;
    }
    if (!outcome.ok) {
      this.#metrics.framesIn.inc({ op: 'invalid' });
      this.#replyError(conn, outcome.id, outcome.code, outcome.message);
      return;
    }
    const command = outcome.command;
    this.#metrics.framesIn.inc({ op: command.op });
    if (conn.state !== 'open' && command.op !== 'connect') {
      if (conn.state === 'authenticating') {
        // Pipelining behind connect saves a round trip; the commands run once the token is good.
        conn.queued ??= [];
        if (conn.queued.length < MAX_PIPELINED) conn.queued.push(command);
        else
          this.#replyError(
            conn,
            id,
            ErrorCode.NotAuthenticated,
            'too many commands before the connect reply',
          );
        return;
      }
      this.#replyError(conn, id, ErrorCode.NotAuthenticated, 'the first frame must be connect');
      this.#close(conn, CloseCode.ProtocolError, 'command before connect');
      return;
    }
    this.#run(conn, command);
  }

  #run(conn: Connection, command: ClientCommand): void {
    const done = this.#metrics.commandDuration.startTimer({ op: command.op });
    const attributes: Record<string, string> = { 'switchboard.conn': conn.id };
    if ('room' in command) attributes['switchboard.room'] = command.room;
    inSpan(`switchboard ${command.op}`, { kind: SpanKind.SERVER, attributes }, () =>
      this.#dispatch(conn, command),
    ).then(
      () => done(),
      (error: unknown) => {
        done();
        this.#replyFailure(conn, command.id, error);
      },
    );
  }

  #dispatch(conn: Connection, command: ClientCommand): Promise<void> {
    switch (command.op) {
      case 'connect':
        return this.#connect(conn, command.id, command.token);
      case 'refresh':
        return this.#refresh(conn, command.id, command.token);
      case 'join':
        return this.#join(conn, command);
      case 'leave':
        return this.#leave(conn, command.id, command.room);
      case 'publish':
        return this.#publish(conn, command);
      case 'presence':
        return this.#presenceList(conn, command.id, command.room);
      case 'history':
        return this.#history(conn, command);
      case 'ping':
        this.#reply(conn, command.id, {});
        return Promise.resolve();
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  async #connect(conn: Connection, id: number | undefined, token: string | undefined): Promise<void> {
    if (conn.state === 'open') {
      if (conn.headerAuth && token === undefined) this.#reply(conn, id, this.#connectResult(conn));
      else this.#replyError(conn, id, ErrorCode.AlreadyAuthenticated, 'already connected');
      return;
    }
    if (token === undefined) {
      this.#log.debug({ conn: conn.id, reason: 'missing token' }, 'connect rejected');
      this.#metrics.authFailures.inc({ reason: 'missing' });
      this.#replyError(conn, id, ErrorCode.TokenInvalid, 'connect needs a token');
      this.#close(conn, CloseCode.Unauthorized, 'missing token');
      return;
    }
    conn.state = 'authenticating';
    let identity: Identity;
    try {
      identity = await this.#deps.auth.verify(token);
    } catch (error) {
      if (conn.state !== 'authenticating') return;
      const body = errorBody(error, this.#log);
      this.#log.debug({ conn: conn.id, code: body.code, reason: body.message }, 'connect rejected');
      this.#metrics.authFailures.inc({ reason: errorName(body.code) });
      this.#replyError(conn, id, body.code, body.message);
      this.#close(conn, closeCodeForAuthError(body.code), body.message);
      return;
    }
    if (conn.state !== 'authenticating') return;
    this.#open(conn, identity);
    this.#reply(conn, id, this.#connectResult(conn));
    const queued = conn.queued;
    conn.queued = undefined;
    if (queued) for (const command of queued) this.#run(conn, command);
  }

  #open(conn: Connection, identity: Identity): void {
    clearTimeout(conn.timer);
    conn.state = 'open';
    conn.identity = identity;
    this.#armExpiry(conn);
    this.#users.add(identity.user, conn);
    this.#event('connect', conn);
  }

  /** Lifecycle events for backends. Only authenticated connections have any. */
  #event(kind: LifecycleKind, conn: Connection, extra?: Record<string, string | number>): void {
    if (!this.#options.lifecycleEvents || !conn.identity) return;
    const record = {
      type: kind,
      ts: Date.now(),
      node: this.#options.nodeId,
      conn: conn.id,
      user: conn.identity.user,
      ...extra,
    };
    try {
      this.#deps.bus.publish(Subjects.event(kind), encodeJson(record));
    } catch (error) {
      this.#log.debug({ err: error, kind }, 'lifecycle event not published');
    }
  }

  #connectResult(conn: Connection): ConnectResult {
    const identity = conn.identity!;
    return {
      conn: conn.id,
      user: identity.user,
      ...(identity.expiresAt !== undefined ? { expiresAt: identity.expiresAt } : {}),
      ping: this.#options.pingIntervalMs,
      limits: this.#limits,
      node: this.#options.nodeId,
      version: PROTOCOL_VERSION,
    };
  }

  async #refresh(conn: Connection, id: number | undefined, token: string): Promise<void> {
    const identity = await this.#deps.auth.verify(token).catch((error: unknown) => {
      this.#log.debug({ conn: conn.id, err: error }, 'refresh rejected');
      throw error;
    });
    if (conn.state !== 'open') return;
    if (identity.user !== conn.identity!.user) {
      this.#log.debug({ conn: conn.id, reason: 'token for another user' }, 'refresh rejected');
      this.#replyError(conn, id, ErrorCode.TokenUserMismatch, 'refresh token is for another user');
      return;
    }
    conn.identity = identity;
    this.#armExpiry(conn);
    this.#reply(conn, id, identity.expiresAt !== undefined ? { expiresAt: identity.expiresAt } : {});
  }

  /**
   * Token expiry: at `exp` the client is asked to refresh (push `refresh`) and gets the grace
   * period to do so; without a refresh it is closed with 4001 and reconnects with a new token.
   */
  #armExpiry(conn: Connection): void {
    clearTimeout(conn.timer);
    conn.timer = undefined;
    const expiresAt = conn.identity?.expiresAt;
    if (expiresAt === undefined) return;
    const wait = expiresAt - Date.now();
    if (wait > 0) {
      conn.timer = setTimeout(() => this.#armExpiry(conn), Math.min(wait, MAX_TIMER_MS));
      return;
    }
    const grace = this.#options.tokenExpiryGraceMs;
    if (grace === 0) {
      this.#close(conn, CloseCode.TokenExpired, 'token expired');
      return;
    }
    this.#write(conn, Buffer.from(JSON.stringify({ t: 'refresh', deadline: expiresAt + grace })), 'refresh');
    conn.timer = setTimeout(() => this.#close(conn, CloseCode.TokenExpired, 'token expired'), grace);
  }

  async #join(conn: Connection, command: JoinCommand): Promise<void> {
    const { id, room } = command;
    const refusal = this.#joinRefusal(conn, room);
    if (refusal) return this.#replyError(conn, id, refusal.code, refusal.message);
    const identity = conn.identity!;
    const result = await this.#enterRoom(conn, room, identity.grants, command.since);
    if (result === 'left') {
      return this.#replyError(conn, id, ErrorCode.NotJoined, `left room "${room}" before the join completed`);
    }
    if (result === 'closed') return;
    const { messages, ...rest } = result;
    this.#write(conn, Buffer.from(replyWithFrames(id, rest, messages)), 'reply');
    this.#rooms.activate(conn, room, result);
  }

  #joinRefusal(conn: Connection, room: string): { code: number; message: string } | undefined {
    if (conn.rooms?.has(room)) return { code: ErrorCode.AlreadyJoined, message: `already in room "${room}"` };
    if ((conn.rooms?.size ?? 0) >= this.#options.maxRoomsPerConnection) {
      return {
        code: ErrorCode.TooManyRooms,
        message: `at most ${this.#options.maxRoomsPerConnection} rooms`,
      };
    }
    return undefined;
  }

  /**
   * The join sequence shared by client joins and server-side subscriptions: listen first, then
   * ask the router for the position (nothing published in between can be missed), then
   * presence. The caller replies and then activates the membership.
   */
  async #enterRoom(
    conn: Connection,
    room: string,
    grants: Identity['grants'],
    since: Position | undefined,
  ): Promise<JoinReply | 'left' | 'closed'> {
    conn.rooms ??= new Set();
    const rooms = conn.rooms;
    const identity = conn.identity!;
    rooms.add(room);
    let result: JoinReply;
    try {
      await this.#rooms.hold(conn, room);
      result = await this.#deps.router.join({
        user: identity.user,
        grants,
        room,
        ...(since ? { since } : {}),
      });
    } catch (error) {
      if (rooms.delete(room)) this.#rooms.remove(conn, room);
      throw error;
    }
    if (conn.state !== 'open') return 'closed';
    if (!rooms.has(room)) return 'left';
    try {
      await this.#deps.presence.join(room, { conn: conn.id, user: identity.user, ...metaOf(identity) });
    } catch (error) {
      // Presence is secondary: the join stands, the entry is re-added by the next refresh.
      this.#log.warn({ err: error, room }, 'presence join failed');
    }
    if (conn.state !== 'open') return 'closed';
    if (!rooms.has(room)) return 'left';
    this.#event('join', conn, { room });
    return result;
  }

  /** Leaves a room: membership, presence, event. False when the connection was not in it. */
  #exitRoom(conn: Connection, room: string, reason: 'leave' | 'unsubscribed' | 'disconnect'): boolean {
    if (!conn.rooms?.delete(room)) return false;
    this.#rooms.remove(conn, room);
    this.#presenceLeave(room, conn.id);
    this.#event('leave', conn, { room, reason });
    return true;
  }

  // ---- control from backends ------------------------------------------------------------------

  /** @internal Control messages for a user's connections here, or (from `sb.control.all`) for any. */
  onControl(targets: Iterable<Connection>, message: ControlMessage): void {
    for (const conn of [...targets]) {
      if (conn.state !== 'open') continue;
      switch (message.action) {
        case 'disconnect':
          if (message.conn === undefined || message.conn === conn.id) {
            const code = message.code >= 4000 && message.code <= 4999 ? message.code : CloseCode.Kicked;
            this.#close(conn, code, message.reason);
          }
          break;
        case 'subscribe':
          this.#serverSubscribe(conn, message.room);
          break;
        case 'unsubscribe':
          if (this.#exitRoom(conn, message.room, 'unsubscribed')) {
            const push = {
              t: 'left',
              room: message.room,
              code: CloseCode.Kicked,
              reason: 'unsubscribed by the server',
            };
            this.#write(conn, Buffer.from(JSON.stringify(push)), 'left');
          }
          break;
      }
    }
  }

  /** A backend subscribed the user: join without the token's grants (the backend decided). */
  #serverSubscribe(conn: Connection, room: string): void {
    if (this.#joinRefusal(conn, room)) return;
    this.#enterRoom(conn, room, { join: [room], publish: [] }, undefined).then(
      (result) => {
        if (typeof result === 'string') return;
        const push = { t: 'joined', room, offset: result.offset, epoch: result.epoch };
        this.#write(conn, Buffer.from(JSON.stringify(push)), 'joined');
        this.#rooms.activate(conn, room, result);
      },
      (error: unknown) => this.#log.warn({ err: error, room, conn: conn.id }, 'server-side subscribe failed'),
    );
  }

  async #leave(conn: Connection, id: number | undefined, room: string): Promise<void> {
    if (!this.#exitRoom(conn, room, 'leave')) {
      return this.#replyError(conn, id, ErrorCode.NotJoined, `not in room "${room}"`);
    }
    this.#reply(conn, id, {});
  }

  #publish(conn: Connection, command: PublishCommand): Promise<void> {
    const identity = conn.identity!;
    const send = async (): Promise<void> => {
      try {
        const result = await this.#deps.router.publish({
          user: identity.user,
          grants: identity.grants,
          conn: conn.id,
          room: command.room,
          event: command.event,
          data: command.data,
          ...(command.key !== undefined ? { key: command.key } : {}),
        });
        this.#reply(conn, command.id, result);
      } catch (error) {
        this.#replyFailure(conn, command.id, error);
      }
    };
    const next = (conn.publishTail ?? Promise.resolve()).then(send);
    conn.publishTail = next;
    return next;
  }

  async #presenceList(conn: Connection, id: number | undefined, room: string): Promise<void> {
    const identity = conn.identity!;
    const result = await this.#deps.presence.list({ room, user: identity.user, grants: identity.grants });
    this.#reply(conn, id, result);
  }

  async #history(conn: Connection, command: HistoryCommand): Promise<void> {
    const identity = conn.identity!;
    const { messages, ...rest } = await this.#deps.router.history({
      user: identity.user,
      grants: identity.grants,
      room: command.room,
      ...(command.since ? { since: command.since } : {}),
      ...(command.limit !== undefined ? { limit: command.limit } : {}),
      ...(command.reverse !== undefined ? { reverse: command.reverse } : {}),
    });
    this.#write(conn, Buffer.from(replyWithFrames(command.id, rest, messages)), 'reply');
  }

  // ---- writing and closing ------------------------------------------------------------------

  /** Writes a frame unless the connection is closed; a full outbound buffer means slow consumer. */
  /** Frames one serialized frame and writes it (replies, notices: one socket each). */
  #write(conn: Connection, payload: Buffer, kind: string): boolean {
    return this.#writeWire(conn, textFrame(payload), kind);
  }

  /**
   * The one write path: a ready WebSocket frame straight to the connection's TCP socket, past
   * ws's sender (which would build a header and queue per socket). Safe because compression is
   * off: ws writes each of its own frames (pings, close) synchronously, so frames never
   * interleave. A full outbound buffer means slow consumer. `kind` counts the frame; room
   * fan-out counts its frames in one step and passes none.
   */
  #writeWire(conn: Connection, wire: Buffer, kind?: string): boolean {
    if (conn.state === 'closed' || conn.socket.readyState !== WebSocket.OPEN) return false;
    if (conn.socket.bufferedAmount + wire.length > this.#options.outboundMaxBytes) {
      this.#close(conn, CloseCode.SlowConsumer, 'slow consumer');
      return false;
    }
    conn.raw.write(wire);
    if (kind !== undefined) this.#metrics.framesOut.inc({ kind });
    return true;
  }

  #reply(conn: Connection, id: number | undefined, result: unknown): void {
    this.#write(conn, Buffer.from(replyFrame(id, result)), 'reply');
  }

  #replyError(
    conn: Connection,
    id: number | undefined,
    code: number,
    message: string,
    retryAfterMs?: number,
  ): void {
    this.#metrics.errors.inc({ code: errorName(code) });
    const error = retryAfterMs !== undefined ? { code, message, retryAfterMs } : { code, message };
    this.#write(conn, Buffer.from(JSON.stringify(id === undefined ? { error } : { id, error })), 'reply');
  }

  #replyFailure(conn: Connection, id: number | undefined, error: unknown): void {
    const body = errorBody(error, this.#log);
    this.#replyError(conn, id, body.code, body.message, body.retryAfterMs);
  }

  /** Tells the client why, closes, and cleans up at once (the socket finishes closing on its own). */
  #close(conn: Connection, code: number, reason: string): void {
    if (conn.state === 'closed') return;
    conn.closeCode = code;
    if (code !== CloseCode.SlowConsumer) {
      // A slow consumer's buffer is full: the close frame alone says it.
      const push = { t: 'disconnect', code, reason, reconnect: code < 4500 };
      conn.socket.send(JSON.stringify(push), TEXT);
    }
    conn.socket.close(code, reason.slice(0, 120));
    this.#cleanup(conn);
  }

  /** @internal Shared socket handler target. */
  onSocketClosed(conn: Connection, code: number): void {
    this.#sockets.delete(conn.socket);
    this.#cleanup(conn, code);
  }

  /** Every close ends here, once: timers, room membership, presence, metrics. */
  #cleanup(conn: Connection, peerCode?: number): void {
    if (conn.state === 'closed') return;
    const reason =
      conn.closeCode !== undefined
        ? closeReason(conn.closeCode)
        : peerCode === 1006
          ? 'abnormal'
          : 'client_closed';
    conn.state = 'closed';
    conn.queued = undefined;
    clearTimeout(conn.timer);
    conn.timer = undefined;
    if (conn.rooms) {
      for (const room of [...conn.rooms]) this.#exitRoom(conn, room, 'disconnect');
      conn.rooms = undefined;
    }
    if (conn.identity) {
      this.#users.remove(conn.identity.user, conn);
      this.#event('disconnect', conn, { reason, code: conn.closeCode ?? peerCode ?? 1006 });
    }
    this.#connections.delete(conn);
    this.#byId.delete(conn.id);
    this.#metrics.connections.dec();
    this.#metrics.disconnects.inc({ reason });
  }

  #presenceLeave(room: string, connId: string): void {
    this.#deps.presence.leave(room, connId).catch((error: unknown) => {
      // The entry expires by TTL if this is lost.
      this.#log.warn({ err: error, room }, 'presence leave failed');
    });
  }

  // ---- timers -------------------------------------------------------------------------------

  /** One sweep for all connections (no per-socket heartbeat timers). Silent for a whole interval = dead. */
  #sweep(): void {
    for (const conn of this.#connections) {
      if (!conn.alive) {
        conn.closeCode = CloseCode.HeartbeatTimeout;
        conn.socket.terminate();
        this.#cleanup(conn);
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
      if (conn.state === 'open') this.#writeWire(conn, PING_WIRE, 'ping');
    }
  }

  #refreshPresence(): void {
    let batch: Array<{ room: string; conn: string; user: string }> = [];
    const flush = () => {
      if (batch.length === 0) return;
      this.#deps.presence
        .refresh(batch)
        .catch((error: unknown) => this.#log.warn({ err: error }, 'presence refresh failed'));
      batch = [];
    };
    for (const conn of this.#connections) {
      if (conn.state !== 'open' || !conn.rooms) continue;
      for (const room of conn.rooms) {
        batch.push({ room, conn: conn.id, user: conn.identity!.user, ...metaOf(conn.identity!) });
        if (batch.length >= PRESENCE_REFRESH_BATCH) flush();
      }
    }
    flush();
  }

  /** Tells the cluster this edge is alive and how loaded it is (`Info` reads these). */
  #heartbeatNode(): void {
    const beat = {
      node: this.#options.nodeId,
      kind: 'edge',
      version: EDGE_VERSION,
      startedAt: this.#startedAt,
      ts: Date.now(),
      connections: this.#connections.size,
      rooms: this.#rooms.size,
    };
    try {
      this.#deps.bus.publish(Subjects.nodes('edge'), encodeJson(beat));
    } catch {
      // The bus is down or closing: the next beat will tell.
    }
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /**
   * Graceful drain: stop accepting, then tell every client to reconnect elsewhere at a random
   * moment within `windowMs` (spreading the reconnect load over the other edges), then close.
   */
  async drain(windowMs: number): Promise<void> {
    this.#draining = true;
    const closing = [...this.#connections].map(
      (conn) =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            this.#close(conn, CloseCode.Shutdown, 'server shutting down; reconnect');
            resolve();
          }, Math.random() * windowMs);
        }),
    );
    await Promise.all(closing);
  }

  /** Stops timers and closes every connection at once. */
  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    clearInterval(this.#presenceRefresh);
    this.#stopWatchingBus?.();
    this.#controlSub?.unsubscribe();
    clearInterval(this.#nodeBeat);
    await this.drain(0);
    // Give close handshakes a moment, then cut what is left (a stuck peer must not hold shutdown).
    const deadline = Date.now() + STOP_GRACE_MS;
    while (this.#sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of this.#sockets) socket.terminate();
    this.#wss.close();
  }

  /** For tests: destroys every socket without a close frame, as a network cut would. */
  destroyAllSockets(): void {
    for (const conn of this.#connections) conn.socket.terminate();
  }
}

// Shared handlers: `this` is the socket. One function for all sockets instead of closures per socket.
function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const conn = (this as EdgeSocket).conn;
  conn.owner.onFrame(conn, data, isBinary);
}
function onSocketClose(this: WebSocket, code: number): void {
  const conn = (this as EdgeSocket).conn;
  conn.owner.onSocketClosed(conn, code);
}
function onSocketPong(this: WebSocket): void {
  (this as EdgeSocket).conn.alive = true;
}
function destroyOnError(this: Duplex): void {
  this.destroy();
}
function onSocketError(this: WebSocket): void {
  // ws closes the socket after an error (e.g. 1009 for an oversized frame); 'close' cleans up.
}

function closeCodeForAuthError(code: number): number {
  if (code === ErrorCode.TokenExpired) return CloseCode.TokenExpired;
  if (code === ErrorCode.TokenRevoked) return CloseCode.Forbidden;
  if (code >= 2000) return CloseCode.Internal;
  return CloseCode.Unauthorized;
}

function metaOf(identity: Identity): { meta?: NonNullable<Identity['meta']> } {
  return identity.meta !== undefined ? { meta: identity.meta } : {};
}

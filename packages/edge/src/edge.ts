import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuthClient, Identity } from '@switchboard/auth';
import { type Bus, type LifecycleKind, randomId, Subjects, type Subscription } from '@switchboard/bus';
import type { PresenceClient } from '@switchboard/presence';
import {
  CloseCode,
  type ConnectResult,
  closeReason,
  HISTORY_LIMIT_MAX,
  type Limits,
  PROTOCOL_VERSION,
} from '@switchboard/protocol';
import type { RouterClient } from '@switchboard/router';
import type { Logger } from '@switchboard/telemetry';
import { BackendControl } from './backend-control.js';
import type { ClientLimitRules, ClientTicket } from './client-limits.js';
import { CommandRunner } from './commands/runner.js';
import { Connection, type EdgeSocket, type SocketEvents } from './connection.js';
import { ConnectionDeadlines } from './connection-deadlines.js';
import { ConnectionWriter } from './connection-writer.js';
import { Connections } from './connections.js';
import { parseControl } from './control.js';
import { closeSpreadOver, cutAfterGrace } from './drain.js';
import { FrameIntake } from './frame-intake.js';
import { LifecycleEvents } from './lifecycle-events.js';
import { type Delivery, LocalRooms } from './local-rooms.js';
import { LocalUsers } from './local-users.js';
import { Maintenance } from './maintenance.js';
import { Membership } from './membership.js';
import type { EdgeMetrics } from './metrics.js';
import { RecentRevocations, type RevokeMessage, revokes } from './revocations.js';
import { listenToSocket } from './socket-handlers.js';
import { UpgradeGate } from './upgrade-gate.js';

/** See `SB_PONG_TIMEOUT_MS`. */
export const DEFAULT_PONG_TIMEOUT_MS = 5_000;

export interface EdgeOptions {
  nodeId: string;
  maxConnections: number;
  /** `*` allows any Origin. Requests without an Origin (non-browser clients) are always allowed. */
  allowedOrigins: readonly string[];
  authTimeoutMs: number;
  pingIntervalMs: number;
  /** Silence allowed after a ping before the connection is closed (default 5 s; see Maintenance). */
  pongTimeoutMs?: number;
  maxFrameBytes: number;
  maxRoomsPerConnection: number;
  connectionRate: number;
  connectionBurst: number;
  outboundMaxBytes: number;
  tokenExpiryGraceMs: number;
  /** How often local presence entries are refreshed (a third of the presence TTL). */
  presenceRefreshMs: number;
  /** Which of connect, disconnect, join and leave to publish on `sb.events.*` (others are ignored). */
  lifecycleEvents: readonly LifecycleKind[];
  /** Per client IP limits (connections, unauthenticated sockets, upgrade rate); off when absent. */
  perClient?: ClientLimitRules;
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

const STOP_GRACE_MS = 1_000;

/**
 * The edge: terminates WebSockets and turns frames into typed commands (validated once, by
 * the frame intake), forwards them to the auth, router and presence services over the bus,
 * and writes room deliveries to local members. This class wires the collaborators together
 * and owns a connection's life from accept to cleanup.
 */
export class Edge {
  readonly #deps: EdgeDeps;
  readonly #options: EdgeOptions;
  readonly #log: Logger;
  readonly #metrics: EdgeMetrics;
  readonly #connections = new Connections();
  readonly #gate: UpgradeGate;
  readonly #writer: ConnectionWriter;
  readonly #rooms: LocalRooms;
  readonly #users: LocalUsers;
  readonly #events: LifecycleEvents;
  readonly #membership: Membership;
  readonly #control: BackendControl;
  readonly #deadlines: ConnectionDeadlines;
  readonly #commands: CommandRunner;
  readonly #intake: FrameIntake;
  readonly #maintenance: Maintenance;
  /** Where every connection's socket events go (shared, like the socket handlers). */
  readonly #socketEvents: SocketEvents;
  readonly #limits: Limits;
  readonly #revocations = new RecentRevocations();
  /** Each connection's client-IP ticket (when per-client limits are on), until cleanup. */
  readonly #clients = new Map<Connection, ClientTicket>();
  #draining = false;
  #stopWatchingBus: (() => void) | undefined;
  #controlSub: Subscription | undefined;
  #revokeSub: Subscription | undefined;

  constructor(deps: EdgeDeps) {
    this.#deps = deps;
    this.#options = deps.options;
    this.#log = deps.log;
    this.#metrics = deps.metrics;
    const o = deps.options;
    this.#metrics.connectionLimit.set(o.maxConnections);
    this.#limits = {
      maxFrameBytes: o.maxFrameBytes,
      maxRooms: o.maxRoomsPerConnection,
      rate: o.connectionRate,
      burst: o.connectionBurst,
    };
    this.#gate = new UpgradeGate({
      auth: deps.auth,
      metrics: deps.metrics,
      log: deps.log,
      rules: {
        allowedOrigins: o.allowedOrigins,
        maxConnections: o.maxConnections,
        ...(o.perClient ? { perClient: o.perClient } : {}),
      },
      maxFrameBytes: o.maxFrameBytes,
      load: () => ({ draining: this.#draining, connections: this.#connections.size }),
      accept: (ws, raw, identity, client) => this.#accept(ws, raw, identity, client),
    });
    this.#writer = new ConnectionWriter({
      metrics: deps.metrics,
      log: deps.log,
      outboundMaxBytes: o.outboundMaxBytes,
      closed: (conn) => this.#cleanup(conn),
    });
    this.#rooms = new LocalRooms({
      bus: deps.bus,
      metrics: deps.metrics,
      log: deps.log,
      holdLimitBytes: o.outboundMaxBytes,
      delivery: {
        write: (conn, wire) => this.#writer.sendWire(conn, wire),
        overflow: (conn) => this.#writer.close(conn, CloseCode.SlowConsumer, 'slow consumer'),
        fetchAfter: gapReader(deps.router),
      },
    });
    this.#events = new LifecycleEvents({
      bus: deps.bus,
      log: deps.log,
      nodeId: o.nodeId,
      enabled: o.lifecycleEvents,
    });
    this.#membership = new Membership({
      rooms: this.#rooms,
      router: deps.router,
      presence: deps.presence,
      events: this.#events,
      log: deps.log,
      maxRoomsPerConnection: o.maxRoomsPerConnection,
    });
    this.#control = new BackendControl({ membership: this.#membership, writer: this.#writer, log: deps.log });
    this.#users = new LocalUsers(deps.bus, {
      write: (conn, wire) => this.#writer.sendWire(conn, wire, 'user'),
      control: (conns, message) => this.#control.apply(conns, message),
      log: deps.log,
    });
    this.#deadlines = new ConnectionDeadlines({
      writer: this.#writer,
      authTimeoutMs: o.authTimeoutMs,
      tokenExpiryGraceMs: o.tokenExpiryGraceMs,
    });
    this.#commands = new CommandRunner({
      auth: deps.auth,
      router: deps.router,
      presence: deps.presence,
      writer: this.#writer,
      membership: this.#membership,
      deadlines: this.#deadlines,
      metrics: deps.metrics,
      log: deps.log,
      open: (conn, identity) => this.#open(conn, identity, false, true),
      holdUser: (user) => this.#users.hold(user),
      releaseUser: (user) => this.#users.release(user),
      userReady: (user) => this.#users.ready(user),
      connectResult: (conn) => this.#connectResult(conn),
    });
    this.#intake = new FrameIntake({
      writer: this.#writer,
      metrics: deps.metrics,
      rate: { rate: o.connectionRate, burst: o.connectionBurst },
      maxFrameBytes: o.maxFrameBytes,
      run: (conn, command) => this.#commands.run(conn, command),
    });
    this.#maintenance = new Maintenance({
      connections: this.#connections,
      writer: this.#writer,
      membership: this.#membership,
      presence: deps.presence,
      bus: deps.bus,
      log: deps.log,
      metrics: deps.metrics,
      nodeId: o.nodeId,
      pingIntervalMs: o.pingIntervalMs,
      pongTimeoutMs: o.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS,
      presenceRefreshMs: o.presenceRefreshMs,
      roomCount: () => this.#rooms.size,
    });
    this.#socketEvents = {
      frame: (conn, data, isBinary) => this.#intake.receive(conn, data, isBinary),
      closed: (conn, code) => {
        this.#connections.socketClosed(conn.socket);
        this.#cleanup(conn, code);
      },
    };
  }

  /** Starts heartbeats and presence refresh. The caller routes HTTP upgrades to `handleUpgrade`. */
  start(): void {
    this.#revokeSub = this.#deps.bus.subscribe(Subjects.controlRevoke, (msg) => {
      const message = parseControl(msg.data, msg.headers);
      if (message?.action === 'revoke') this.#revoke(message);
    });
    this.#controlSub = this.#deps.bus.subscribe(Subjects.controlAll, (msg) => {
      const message = parseControl(msg.data, msg.headers);
      // Revocations come from auth on their own subject; here they are not expected.
      if (!message || message.action === 'revoke') return;
      const target =
        message.action === 'disconnect' && message.conn ? this.#connections.byId(message.conn) : undefined;
      if (target) this.#control.apply([target], message);
    });
    let wasDown = false;
    this.#stopWatchingBus = this.#deps.bus.onStatus((status) => {
      if (status === 'disconnected') wasDown = true;
      if (status === 'connected' && wasDown) {
        wasDown = false;
        this.#log.info('bus is back: catching up rooms from history');
        this.#rooms.catchUp();
      }
    });
    this.#maintenance.start();
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

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#gate.handleUpgrade(req, socket, head);
  }

  // ---- a connection's life ------------------------------------------------------------------

  #accept(
    ws: EdgeSocket,
    raw: Duplex,
    identity: Identity | undefined,
    client: ClientTicket | undefined,
  ): void {
    const conn = new Connection(randomId(12), ws, raw, this.#socketEvents, this.#options.connectionBurst);
    this.#connections.add(conn);
    this.#maintenance.track(conn);
    if (client) this.#clients.set(conn, client);
    this.#metrics.connections.inc();
    listenToSocket(ws);
    if (identity) this.#open(conn, identity, true);
    else this.#deadlines.armAuthDeadline(conn);
  }

  #open(conn: Connection, identity: Identity, onUpgrade = false, held = false): void {
    conn.open(identity, onUpgrade);
    this.#clients.get(conn)?.authenticate();
    this.#deadlines.armExpiry(conn);
    this.#users.add(identity.user, conn, held);
    this.#events.publish('connect', conn);
    if (this.#revocations.covers(identity)) this.#writer.close(conn, CloseCode.Forbidden, 'token revoked');
  }

  /** A token was revoked: every connection here holding it closes with 4501 (do not reconnect). */
  #revoke(message: RevokeMessage): void {
    this.#revocations.add(message);
    for (const conn of [...this.#connections]) {
      const identity = conn.identity;
      if (conn.isOpen && identity && revokes(message, identity)) {
        this.#writer.close(conn, CloseCode.Forbidden, 'token revoked');
      }
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

  /** Every close ends here, once: timers, room membership, presence, metrics. */
  #cleanup(conn: Connection, peerCode?: number): void {
    if (conn.isClosed) return;
    const reason =
      conn.closeCode !== undefined
        ? closeReason(conn.closeCode)
        : peerCode === 1006
          ? 'abnormal'
          : 'client_closed';
    conn.markClosed();
    this.#membership.exitAll(conn);
    const identity = conn.identity;
    if (identity) {
      this.#users.remove(identity.user, conn);
      this.#events.publish('disconnect', conn, { reason, code: conn.closeCode ?? peerCode ?? 1006 });
    }
    this.#connections.remove(conn);
    this.#maintenance.untrack(conn);
    this.#clients.delete(conn);
    this.#metrics.connections.dec();
    this.#metrics.disconnects.inc({ reason });
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /**
   * Graceful drain: stop accepting, then tell every client to reconnect elsewhere at a random
   * moment within `windowMs` (spreading the reconnect load over the other edges), then close.
   */
  async drain(windowMs: number): Promise<void> {
    this.#draining = true;
    await closeSpreadOver(this.#connections, windowMs, (conn) =>
      this.#writer.close(conn, CloseCode.Shutdown, 'server shutting down; reconnect'),
    );
  }

  /** Stops timers and closes every connection at once. */
  async stop(): Promise<void> {
    this.#maintenance.stop();
    this.#stopWatchingBus?.();
    this.#controlSub?.unsubscribe();
    this.#revokeSub?.unsubscribe();
    await this.drain(0);
    await cutAfterGrace(this.#connections.openSockets, STOP_GRACE_MS);
    this.#gate.close();
  }

  /** For tests: destroys every socket without a close frame, as a network cut would. */
  destroyAllSockets(): void {
    for (const conn of this.#connections) conn.socket.terminate();
  }
}

/** Reads what a room's local members missed, for LocalRooms' gap fills. */
function gapReader(router: RouterClient): Delivery['fetchAfter'] {
  return (room, offset, epoch) =>
    // On behalf of members it already admitted to the room.
    router.history({
      room,
      since: { offset, epoch },
      limit: HISTORY_LIMIT_MAX,
    });
}

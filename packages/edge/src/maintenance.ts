import { type Bus, encodeJson, Subjects } from '@switchboard/bus';
import type { PresenceClient } from '@switchboard/presence';
import { CloseCode } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import type { ConnectionWriter } from './connection-writer.js';
import type { Connections } from './connections.js';
import { type Membership, metaOf } from './membership.js';
import type { EdgeMetrics } from './metrics.js';
import { textFrame } from './ws-frame.js';

/** The app-level heartbeat, framed once for every socket and every sweep. */
const PING_WIRE = textFrame(Buffer.from('{"t":"ping"}'));
const PRESENCE_REFRESH_BATCH = 500;
const NODE_HEARTBEAT_MS = 3_000;
const EDGE_VERSION = '0.1.0';

export interface MaintenanceDeps {
  connections: Connections;
  writer: ConnectionWriter;
  membership: Membership;
  presence: PresenceClient;
  bus: Bus;
  log: Logger;
  metrics: EdgeMetrics;
  nodeId: string;
  pingIntervalMs: number;
  /**
   * A connection that sent nothing (no pong, no frame) this long after a ping is closed. At or
   * above `pingIntervalMs` there is no separate deadline: silence for a whole interval is enough.
   */
  pongTimeoutMs: number;
  /** How often local presence entries are refreshed (a third of the presence TTL). */
  presenceRefreshMs: number;
  /** Rooms with members here, for the node heartbeat. */
  roomCount(): number;
}

/**
 * The edge's periodic work, one timer each for all connections (no per-socket timers): the
 * heartbeat sweep, the refresh of local presence entries, and the node heartbeat that tells
 * the cluster this edge is alive.
 */
export class Maintenance {
  readonly #deps: MaintenanceDeps;
  readonly #startedAt = Date.now();
  #heartbeat: NodeJS.Timeout | undefined;
  #presenceRefresh: NodeJS.Timeout | undefined;
  #nodeBeat: NodeJS.Timeout | undefined;
  #pongDeadline: NodeJS.Timeout | undefined;

  constructor(deps: MaintenanceDeps) {
    this.#deps = deps;
  }

  /** Beats once at once, then starts every timer (none keeps the process alive). */
  start(): void {
    this.#heartbeatNode();
    this.#nodeBeat = setInterval(() => this.#heartbeatNode(), NODE_HEARTBEAT_MS);
    this.#nodeBeat.unref();
    this.#heartbeat = setInterval(() => this.sweep(), this.#deps.pingIntervalMs);
    this.#heartbeat.unref();
    this.#presenceRefresh = setInterval(() => this.refreshPresence(), this.#deps.presenceRefreshMs);
    this.#presenceRefresh.unref();
  }

  stop(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#pongDeadline);
    clearInterval(this.#presenceRefresh);
    clearInterval(this.#nodeBeat);
  }

  /**
   * One sweep for all connections: silent for a whole interval = dead; the others are pinged,
   * and whoever stays silent `pongTimeoutMs` after that ping is dead too. A path that died
   * without a FIN (blackholed TCP) is so found at most pingIntervalMs + pongTimeoutMs after it
   * died (see "Heartbeats" in docs/protocol.md).
   */
  sweep(): void {
    const writer = this.#deps.writer;
    for (const conn of this.#deps.connections) {
      if (!conn.checkAlive()) {
        writer.terminate(conn, CloseCode.HeartbeatTimeout);
        continue;
      }
      // One observation per connection and sweep: the queue-size distribution, no per-connection labels.
      this.#deps.metrics.outboundBufferBytes.observe(conn.socket.bufferedAmount);
      conn.socket.ping();
      if (conn.isOpen) writer.sendWire(conn, PING_WIRE, 'ping');
    }
    const { pongTimeoutMs, pingIntervalMs } = this.#deps;
    if (pongTimeoutMs >= pingIntervalMs) return;
    clearTimeout(this.#pongDeadline);
    this.#pongDeadline = setTimeout(() => this.#closeSilent(), pongTimeoutMs);
    this.#pongDeadline.unref();
  }

  /** Closes the connections that sent nothing since the last sweep pinged them. */
  #closeSilent(): void {
    for (const conn of this.#deps.connections) {
      if (conn.awaitingPong()) this.#deps.writer.terminate(conn, CloseCode.HeartbeatTimeout);
    }
  }

  /** Re-adds every local presence entry before its TTL runs out, in batches. */
  refreshPresence(): void {
    let batch: Array<{ room: string; conn: string; user: string }> = [];
    const flush = () => {
      if (batch.length === 0) return;
      this.#deps.presence
        .refresh(batch)
        .catch((error: unknown) => this.#deps.log.warn({ err: error }, 'presence refresh failed'));
      batch = [];
    };
    for (const conn of this.#deps.connections) {
      const rooms = this.#deps.membership.roomsOf(conn);
      if (!conn.isOpen || !rooms) continue;
      for (const room of rooms) {
        batch.push({ room, conn: conn.id, user: conn.identity!.user, ...metaOf(conn.identity!) });
        if (batch.length >= PRESENCE_REFRESH_BATCH) flush();
      }
    }
    flush();
  }

  /** Tells the cluster this edge is alive and how loaded it is (`Info` reads these). */
  #heartbeatNode(): void {
    const beat = {
      node: this.#deps.nodeId,
      kind: 'edge',
      version: EDGE_VERSION,
      startedAt: this.#startedAt,
      ts: Date.now(),
      connections: this.#deps.connections.size,
      rooms: this.#deps.roomCount(),
    };
    try {
      this.#deps.bus.publish(Subjects.nodes('edge'), encodeJson(beat));
    } catch {
      // The bus is down or closing: the next beat will tell.
    }
  }
}

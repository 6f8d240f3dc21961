import { type Bus, encodeJson, Subjects } from '@switchboard/bus';
import type { PresenceClient } from '@switchboard/presence';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from './connection.js';
import type { ConnectionWriter } from './connection-writer.js';
import type { Connections } from './connections.js';
import { HeartbeatSweep } from './heartbeat-sweep.js';
import type { Membership } from './membership.js';
import type { EdgeMetrics } from './metrics.js';
import { PresenceRefresh } from './presence-refresh.js';

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
 * The edge's periodic work, a few timers for all connections (no per-socket timers): the
 * heartbeat sweep and the refresh of local presence entries, each spread over its interval in
 * small slices (see HeartbeatSweep, PresenceRefresh), and the node heartbeat that tells the
 * cluster this edge is alive.
 */
export class Maintenance {
  readonly #deps: MaintenanceDeps;
  readonly #startedAt = Date.now();
  readonly #heartbeat: HeartbeatSweep;
  readonly #presenceRefresh: PresenceRefresh;
  #nodeBeat: NodeJS.Timeout | undefined;

  constructor(deps: MaintenanceDeps) {
    this.#deps = deps;
    const { writer, metrics } = deps;
    this.#heartbeat = new HeartbeatSweep(
      {
        ping: (conn) => writer.ping(conn),
        terminate: (conn, code) => writer.terminate(conn, code),
        // One observation per connection and interval: the queue-size distribution, no per-connection labels.
        observeBuffer: (bytes) => metrics.outboundBufferBytes.observe(bytes),
      },
      { pingIntervalMs: deps.pingIntervalMs, pongTimeoutMs: deps.pongTimeoutMs },
    );
    this.#presenceRefresh = new PresenceRefresh({
      connections: deps.connections,
      membership: deps.membership,
      presence: deps.presence,
      log: deps.log,
      intervalMs: deps.presenceRefreshMs,
    });
  }

  /** Beats once at once, then starts every timer (none keeps the process alive). */
  start(): void {
    this.#heartbeatNode();
    this.#nodeBeat = setInterval(() => this.#heartbeatNode(), NODE_HEARTBEAT_MS);
    this.#nodeBeat.unref();
    this.#heartbeat.start();
    this.#presenceRefresh.start();
  }

  stop(): void {
    this.#heartbeat.stop();
    this.#presenceRefresh.stop();
    clearInterval(this.#nodeBeat);
  }

  /** A new connection joins the heartbeat (first ping within one interval). */
  track(conn: Connection): void {
    this.#heartbeat.track(conn);
  }

  /** A connection cleaned up leaves the heartbeat. */
  untrack(conn: Connection): void {
    this.#heartbeat.untrack(conn);
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

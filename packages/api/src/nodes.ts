import {
  type Bus,
  decodeJson,
  encodeJson,
  type NodeHeartbeat,
  Subjects,
  type Subscription,
} from '@switchboard/bus';
import type { NodeInfo } from './schemas.js';

/** A node silent this long is dropped from the table (edges beat every 3 s). */
export const NODE_SILENT_MS = 10_000;
/** How often an API node announces itself on `sb.nodes.api`. */
export const API_HEARTBEAT_MS = 3_000;
export const API_VERSION = '0.1.0';

/**
 * The cluster's nodes as their `sb.nodes.*` heartbeats describe them. Every API instance keeps
 * its own table, rebuilt from the heartbeats (so instances are stateless: a new one knows the
 * whole cluster after one heartbeat interval), and announces itself the same way.
 */
export class NodeTable {
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #silentMs: number;
  readonly #self: NodeHeartbeat;
  #sub: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #bus: Bus | undefined;

  constructor(options: { nodeId: string; silentMs?: number }) {
    this.#silentMs = options.silentMs ?? NODE_SILENT_MS;
    const now = Date.now();
    this.#self = { node: options.nodeId, kind: 'api', version: API_VERSION, startedAt: now, ts: now };
  }

  get nodeId(): string {
    return this.#self.node;
  }

  start(bus: Bus, heartbeatMs = API_HEARTBEAT_MS): void {
    this.#bus = bus;
    this.#sub = bus.subscribe(Subjects.nodes('*'), (msg) => this.record(msg.data));
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), heartbeatMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#sub?.unsubscribe();
  }

  /** Records one heartbeat (malformed ones are ignored). */
  record(data: Uint8Array, now = Date.now()): void {
    let value: unknown;
    try {
      value = decodeJson(data);
    } catch {
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const beat = value as Partial<NodeHeartbeat>;
    if (typeof beat.node !== 'string' || typeof beat.kind !== 'string') return;
    this.#nodes.set(beat.node, {
      node: beat.node,
      kind: beat.kind,
      version: typeof beat.version === 'string' ? beat.version : '',
      startedAt: typeof beat.startedAt === 'number' ? beat.startedAt : 0,
      lastSeen: now,
      connections: typeof beat.connections === 'number' ? beat.connections : 0,
      rooms: typeof beat.rooms === 'number' ? beat.rooms : 0,
    });
  }

  /** Live nodes by kind then name; silent ones are dropped. This node is always listed. */
  list(now = Date.now()): NodeInfo[] {
    for (const [id, node] of this.#nodes) if (now - node.lastSeen > this.#silentMs) this.#nodes.delete(id);
    const self = this.#self;
    if (!this.#nodes.has(self.node)) {
      this.#nodes.set(self.node, {
        node: self.node,
        kind: self.kind,
        version: self.version,
        startedAt: self.startedAt,
        lastSeen: now,
        connections: 0,
        rooms: 0,
      });
    }
    return [...this.#nodes.values()].sort((a, b) =>
      a.kind === b.kind ? (a.node < b.node ? -1 : 1) : a.kind < b.kind ? -1 : 1,
    );
  }

  #beat(): void {
    try {
      this.#bus?.publish(Subjects.nodes('api'), encodeJson({ ...this.#self, ts: Date.now() }));
    } catch {
      // The bus is down or closing: the next beat will tell.
    }
  }
}

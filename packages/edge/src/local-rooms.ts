import { type Bus, DeliveryHeaders, type Logger, Subjects, type Subscription } from '@switchboard/runtime';
import type { Connection } from './connection.js';
import type { EdgeMetrics } from './metrics.js';

interface Held {
  data: Buffer;
  /** 0 for presence diffs. */
  offset: number;
}

interface HeldFrames {
  frames: Held[];
  bytes: number;
}

class LocalRoom {
  readonly members = new Set<Connection>();
  /** Members whose join reply is still on its way: live frames wait here so none is lost or early. */
  joining: Map<Connection, HeldFrames> | undefined = undefined;
  subscription: Subscription | undefined = undefined;
  /** Resolves once the bus has registered the subscription. */
  ready: Promise<void> = Promise.resolve();
}

export interface Delivery {
  /** Writes one frame to one connection; false when the connection could not take it. */
  write(conn: Connection, frame: Buffer): boolean;
  /** Called when a joining member's held frames exceed the outbound limit. */
  overflow(conn: Connection): void;
}

/**
 * The rooms with members on this edge. The edge subscribes to a room's delivery subject only
 * while it has local members, and each delivery — already a serialized client frame — is
 * written as-is to every local member: one NATS message and zero serializations per socket.
 */
export class LocalRooms {
  readonly #rooms = new Map<string, LocalRoom>();
  readonly #bus: Bus;
  readonly #delivery: Delivery;
  readonly #metrics: EdgeMetrics;
  readonly #log: Logger;
  readonly #holdLimitBytes: number;

  constructor(deps: {
    bus: Bus;
    delivery: Delivery;
    metrics: EdgeMetrics;
    log: Logger;
    holdLimitBytes: number;
  }) {
    this.#bus = deps.bus;
    this.#delivery = deps.delivery;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#holdLimitBytes = deps.holdLimitBytes;
  }

  /** Adds `conn` as a joining member (frames are held for it) and waits for the subscription. */
  async hold(conn: Connection, name: string): Promise<void> {
    let room = this.#rooms.get(name);
    if (!room) {
      room = new LocalRoom();
      const created = room;
      this.#rooms.set(name, created);
      created.subscription = this.#bus.subscribe(Subjects.room(name), (msg) => {
        this.#onDelivery(created, msg.data, msg.headers);
      });
      // The router must not publish before the bus knows we listen, or a message falls in the gap.
      created.ready = this.#bus.flush();
      this.#metrics.rooms.set(this.#rooms.size);
    }
    room.joining ??= new Map();
    room.joining.set(conn, { frames: [], bytes: 0 });
    await room.ready;
  }

  /**
   * Makes a joining member a full member. Held messages at or below `afterOffset` were
   * already in the join reply (or before the client's position) and are dropped.
   */
  activate(conn: Connection, name: string, afterOffset: number): void {
    const room = this.#rooms.get(name);
    const held = room?.joining?.get(conn);
    if (!room || !held) return;
    room.joining!.delete(conn);
    if (room.joining!.size === 0) room.joining = undefined;
    room.members.add(conn);
    for (const frame of held.frames) {
      if (frame.offset === 0 || frame.offset > afterOffset) this.#delivery.write(conn, frame.data);
    }
  }

  remove(conn: Connection, name: string): void {
    const room = this.#rooms.get(name);
    if (!room) return;
    room.members.delete(conn);
    room.joining?.delete(conn);
    if (room.joining?.size === 0) room.joining = undefined;
    if (room.members.size === 0 && room.joining === undefined) {
      room.subscription?.unsubscribe();
      this.#rooms.delete(name);
      this.#metrics.rooms.set(this.#rooms.size);
    }
  }

  get size(): number {
    return this.#rooms.size;
  }

  memberCount(name: string): number {
    return this.#rooms.get(name)?.members.size ?? 0;
  }

  #onDelivery(
    room: LocalRoom,
    bytes: Uint8Array,
    headers: Readonly<Record<string, string>> | undefined,
  ): void {
    // A view, not a copy: the same bytes go to every socket.
    const frame = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const kind = headers?.[DeliveryHeaders.kind] === 'presence' ? 'presence' : 'msg';
    let written = 0;
    for (const conn of room.members) if (this.#delivery.write(conn, frame)) written++;
    if (room.joining) {
      const offset = kind === 'msg' ? Number(headers?.[DeliveryHeaders.offset] ?? 0) : 0;
      for (const [conn, held] of room.joining) {
        held.frames.push({ data: frame, offset });
        held.bytes += frame.length;
        if (held.bytes > this.#holdLimitBytes) this.#delivery.overflow(conn);
      }
    }
    if (written > 0) this.#metrics.framesOut.inc({ kind }, written);
    const ts = Number(headers?.[DeliveryHeaders.ts]);
    if (kind === 'msg' && ts > 0) this.#metrics.deliveryLatency.observe(Math.max(0, Date.now() - ts) / 1000);
    else if (kind === 'msg') this.#log.debug('delivery without timestamp');
  }
}

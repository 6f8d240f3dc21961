import { type Bus, type BusHeaders, DeliveryHeaders, Subjects, type Subscription } from '@switchboard/bus';
import { compareEpochs } from '@switchboard/protocol';
import { busAttributes, contextFrom, type Logger, SpanKind, tracer } from '@switchboard/telemetry';
import type { Connection } from './connection.js';
import type { EdgeMetrics } from './metrics.js';
import { textFrame } from './ws-frame.js';

interface Held {
  data: Buffer;
  /** 0 for presence diffs. */
  offset: number;
}

interface HeldFrames {
  frames: Held[];
  bytes: number;
}

/** How long an out-of-order message waits for the ones before it before history is asked. */
const GAP_WAIT_MS = 100;
/** Out-of-order messages held per room at most; more triggers an immediate gap fill. */
const MAX_OUT_OF_ORDER = 1_000;
/** A failed history read is retried this many times, backing off from FILL_RETRY_MS. */
const MAX_FILL_RETRIES = 8;
const FILL_RETRY_MS = 250;
const FILL_RETRY_MAX_MS = 5_000;
/** Messages that arrive before the room's first join reply tells its position. */
const MAX_EARLY = 1_000;

class LocalRoom {
  readonly name: string;
  readonly members = new Set<Connection>();
  /** Members whose join reply is still on its way: live frames wait here so none is lost or early. */
  joining: Map<Connection, HeldFrames> | undefined = undefined;
  subscription: Subscription | undefined = undefined;
  /** Resolves once the bus has registered the subscription. */
  ready: Promise<void> = Promise.resolve();

  // Ordering: frames reach members strictly by offset, whatever order the bus brought them in.
  epoch: string | undefined = undefined;
  /** The next offset to deliver; 0 until the room's position is known. */
  next = 0;
  /** Frames that arrived before their predecessors. */
  outOfOrder: Map<number, Buffer> | undefined = undefined;
  /** Frames that arrived before the first join reply (position unknown yet). */
  early: Array<{ data: Buffer; offset: number; epoch: string }> | undefined = undefined;
  gapTimer: NodeJS.Timeout | undefined = undefined;
  /** The epoch a history fill is in flight for: a fill belongs to the stream it was started for. */
  filling: string | undefined = undefined;
  /** History reads that failed in a row, and the timer of the next attempt. */
  fillFailures = 0;
  retryTimer: NodeJS.Timeout | undefined = undefined;

  constructor(name: string) {
    this.name = name;
  }
}

export interface Delivery {
  /** Writes one complete WebSocket frame to one connection; false when it could not take it. */
  write(conn: Connection, wire: Buffer): boolean;
  /** Called when a joining member's held frames exceed the outbound limit. */
  overflow(conn: Connection): void;
  /** Reads a room's messages after `offset` from history, as client frames (for gap fills). */
  fetchAfter(room: string, offset: number, epoch: string): Promise<{ epoch: string; messages: string[] }>;
}

/**
 * The rooms with members on this edge. The edge subscribes to a room's delivery subject only
 * while it has local members, and each delivery — already a serialized client frame — is
 * written as-is to every local member: one bus message and zero serializations per socket.
 *
 * Ordering: with several routers, offsets are assigned atomically by the store but the
 * deliveries of two routers can cross on the bus. Each room therefore delivers strictly by
 * offset: a frame ahead of its turn waits up to GAP_WAIT_MS for the missing ones, then the
 * gap is read from history (a router that died between append and publish leaves exactly such
 * a gap). What history no longer has is skipped, and the client sees the jump in offsets.
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
      room = new LocalRoom(name);
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
   * Makes a joining member a full member, given the position its join reply carried. Held
   * messages at or below `offset` were in the reply (or before the client's position).
   */
  activate(conn: Connection, name: string, position: { offset: number; epoch: string }): void {
    const room = this.#rooms.get(name);
    const held = room?.joining?.get(conn);
    if (!room || !held) return;
    room.joining!.delete(conn);
    if (room.joining!.size === 0) room.joining = undefined;
    room.members.add(conn);
    for (const frame of held.frames) {
      if (frame.offset === 0 || frame.offset > position.offset) this.#delivery.write(conn, frame.data);
    }
    if (room.epoch === undefined) {
      // First position for this room on this edge: start the sequence, then replay what came early.
      room.epoch = position.epoch;
      room.next = position.offset + 1;
      const early = room.early ?? [];
      room.early = undefined;
      for (const e of early) this.#sequence(room, e.data, e.offset, e.epoch);
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
      clearTimeout(room.gapTimer);
      clearTimeout(room.retryTimer);
      this.#rooms.delete(name);
      this.#metrics.rooms.set(this.#rooms.size);
    }
  }

  get size(): number {
    return this.#rooms.size;
  }

  #onDelivery(room: LocalRoom, bytes: Uint8Array, headers: BusHeaders | undefined): void {
    // Framed once here; the same bytes go to every socket.
    const frame = textFrame(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (headers?.[DeliveryHeaders.kind] === 'presence') {
      this.#fanOut(room, frame, 0);
      return;
    }
    const offset = Number(headers?.[DeliveryHeaders.offset]);
    const epoch = headers?.[DeliveryHeaders.epoch];
    if (!(offset > 0) || epoch === undefined) {
      this.#log.warn({ room: room.name }, 'delivery without offset or epoch dropped');
      return;
    }
    const ts = Number(headers?.[DeliveryHeaders.ts]);
    if (headers?.['traceparent'] !== undefined) {
      // One span per message per edge (not per socket): the last hop of the publisher's trace.
      tracer()
        .startSpan(
          'deliver',
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              ...busAttributes(Subjects.room(room.name), 'receive', this.#bus.system ?? 'unknown'),
              'switchboard.room': room.name,
              'switchboard.offset': offset,
              'switchboard.local_members': room.members.size,
            },
          },
          contextFrom(headers),
        )
        .end();
    }
    if (room.epoch === undefined) {
      room.early ??= [];
      if (room.early.length < MAX_EARLY) room.early.push({ data: frame, offset, epoch });
      return;
    }
    this.#sequence(room, frame, offset, epoch);
    // Accepted by the router → written to every local member (in-order deliveries, the usual case).
    if (ts > 0) this.#metrics.deliveryLatency.observe(Math.max(0, Date.now() - ts) / 1000);
  }

  #sequence(room: LocalRoom, frame: Buffer, offset: number, epoch: string): void {
    const order = room.epoch === undefined ? 'newer' : compareEpochs(room.epoch, epoch);
    if (order === 'older') {
      // A late delivery from a stream that was already replaced (a router stalled across the
      // loss): delivering it would take members back to a numbering that no longer exists.
      this.#log.debug(
        { room: room.name, epoch, current: room.epoch, offset },
        'stale epoch delivery dropped',
      );
      this.#metrics.staleDeliveries.inc();
      return;
    }
    if (order === 'newer') {
      // The room's history was lost and offsets restarted: follow the new stream.
      this.#log.warn({ room: room.name, from: room.epoch, to: epoch }, 'room epoch changed');
      // Every stream starts at offset 1: what came before this frame is read from history.
      room.epoch = epoch;
      room.next = 1;
      room.outOfOrder = undefined;
      clearTimeout(room.gapTimer);
      room.gapTimer = undefined;
      // A fill or its retry belongs to the old stream: it must not skip offsets of this one.
      clearTimeout(room.retryTimer);
      room.retryTimer = undefined;
      room.fillFailures = 0;
    }
    if (offset < room.next) return; // already delivered (a gap fill got there first)
    if (offset > room.next) {
      room.outOfOrder ??= new Map();
      room.outOfOrder.set(offset, frame);
      if (room.outOfOrder.size >= MAX_OUT_OF_ORDER) this.#fillGap(room);
      else room.gapTimer ??= setTimeout(() => this.#fillGap(room), GAP_WAIT_MS);
      return;
    }
    this.#fanOut(room, frame, offset);
    room.next = offset + 1;
    this.#drainInOrder(room);
  }

  #drainInOrder(room: LocalRoom): void {
    const waiting = room.outOfOrder;
    if (!waiting) return;
    for (let frame = waiting.get(room.next); frame; frame = waiting.get(room.next)) {
      waiting.delete(room.next);
      this.#fanOut(room, frame, room.next);
      room.next++;
    }
    if (waiting.size === 0) {
      room.outOfOrder = undefined;
      clearTimeout(room.gapTimer);
      room.gapTimer = undefined;
    }
  }

  /**
   * After the bus was down, deliveries may have been lost with nothing after them to reveal
   * the gap: every room reads what it missed from history.
   */
  catchUp(): void {
    for (const room of this.#rooms.values()) this.#fillGap(room, true);
  }

  /** Reads the missing offsets from history; what history lacks is skipped. */
  #fillGap(room: LocalRoom, always = false): void {
    clearTimeout(room.gapTimer);
    room.gapTimer = undefined;
    clearTimeout(room.retryTimer);
    room.retryTimer = undefined;
    if (room.epoch === undefined || room.filling === room.epoch || (!always && !room.outOfOrder)) return;
    const epoch = room.epoch;
    room.filling = epoch;
    let read = false;
    this.#delivery
      .fetchAfter(room.name, room.next - 1, epoch)
      .then(
        (result) => {
          read = true;
          if (result.epoch !== epoch || room.epoch !== epoch) return;
          for (const text of result.messages) {
            const offset = offsetOf(text);
            if (offset !== room.next) continue;
            this.#fanOut(room, textFrame(Buffer.from(text)), offset);
            room.next++;
            this.#drainInOrder(room);
          }
        },
        (error: unknown) => this.#log.warn({ err: error, room: room.name }, 'gap fill from history failed'),
      )
      .finally(() => {
        // The room moved to another epoch meanwhile: this fill's result (or failure) says nothing
        // about the new stream, whose own fill decides what is missing there.
        if (room.filling === epoch) room.filling = undefined;
        if (room.epoch !== epoch) return;
        if (this.#rooms.get(room.name) !== room) return;
        if (!read && room.fillFailures < MAX_FILL_RETRIES) {
          // History could not be read (no router yet, after an outage): try again, backing off.
          room.fillFailures++;
          const delay = Math.min(FILL_RETRY_MAX_MS, FILL_RETRY_MS * 2 ** (room.fillFailures - 1));
          room.retryTimer = setTimeout(() => this.#fillGap(room, always), delay);
          return;
        }
        room.fillFailures = 0;
        const waiting = room.outOfOrder;
        if (!waiting || waiting.size === 0) return;
        // Still a hole: history no longer has it. Skip to the oldest message we do have.
        const skipTo = Math.min(...waiting.keys());
        this.#log.warn({ room: room.name, from: room.next, to: skipTo }, 'unrecoverable gap skipped');
        room.next = skipTo;
        this.#drainInOrder(room);
      });
  }

  #fanOut(room: LocalRoom, frame: Buffer, offset: number): void {
    let written = 0;
    for (const conn of room.members) if (this.#delivery.write(conn, frame)) written++;
    if (room.joining) {
      for (const [conn, held] of room.joining) {
        held.frames.push({ data: frame, offset });
        held.bytes += frame.length;
        if (held.bytes > this.#holdLimitBytes) this.#delivery.overflow(conn);
      }
    }
    if (written > 0) this.#metrics.framesOut.inc({ kind: offset === 0 ? 'presence' : 'msg' }, written);
  }
}

/** The offset of a history frame, read from its fixed prefix without parsing the message. */
function offsetOf(frame: string): number {
  const match = /"offset":(\d+)/.exec(frame);
  return match ? Number(match[1]) : 0;
}

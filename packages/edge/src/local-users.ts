import {
  type Bus,
  type ControlMessage,
  DeliveryHeaders,
  Subjects,
  type Subscription,
} from '@switchboard/bus';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from './connection.js';
import { parseControl } from './control.js';
import { textFrame } from './ws-frame.js';

interface LocalUser {
  conns: Set<Connection>;
  subscription: Subscription;
  /** Connects between `hold` and `add` (or `release`): the entry stays while any is pending. */
  pending: number;
  /** Settles once the bus server has the subscription (a flush round trip). */
  ready: Promise<void>;
}

export interface UserDelivery {
  /** Writes one complete WebSocket frame. */
  write(conn: Connection, wire: Buffer): void;
  control(conns: Iterable<Connection>, message: ControlMessage): void;
  log: Logger;
}

/**
 * The users with connections on this edge. Like rooms, the edge listens on a user's subject
 * only while that user is connected here: notifications (one serialized frame, written to all
 * of the user's local connections) and control messages from backends arrive there.
 */
export class LocalUsers {
  readonly #users = new Map<string, LocalUser>();
  readonly #bus: Bus;
  readonly #delivery: UserDelivery;

  constructor(bus: Bus, delivery: UserDelivery) {
    this.#bus = bus;
    this.#delivery = delivery;
  }

  /**
   * Subscribes to `user`'s subject before a connection of theirs is opened, and settles once the
   * bus server has the subscription: a control message or notification a backend sends right
   * after the connect reply (a Subscribe, say) would otherwise race it and be lost. Every hold
   * ends with `add` or `release`.
   */
  hold(user: string): Promise<void> {
    const entry = this.#users.get(user) ?? this.#subscribe(user);
    entry.pending++;
    return entry.ready;
  }

  /** Ends a hold whose connection did not open (closed while authenticating). */
  release(user: string): void {
    const entry = this.#users.get(user);
    if (!entry) return;
    entry.pending--;
    this.#dropIfUnused(user, entry);
  }

  /** When the user's subject is subscribed on the bus server. */
  ready(user: string): Promise<void> {
    return this.#users.get(user)?.ready ?? Promise.resolve();
  }

  add(user: string, conn: Connection, held = false): void {
    const entry = this.#users.get(user) ?? this.#subscribe(user);
    if (held) entry.pending--;
    entry.conns.add(conn);
  }

  #subscribe(user: string): LocalUser {
    const conns = new Set<Connection>();
    const subscription = this.#bus.subscribe(Subjects.user(user), (msg) => {
      if (msg.headers?.[DeliveryHeaders.kind] === 'control') {
        const message = parseControl(msg.data, msg.headers);
        if (message) this.#delivery.control(conns, message);
        else this.#delivery.log.warn({ user }, 'malformed control message ignored');
        return;
      }
      const frame = textFrame(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
      for (const c of conns) this.#delivery.write(c, frame);
    });
    // A failed flush means the bus is down: readiness reports that, and the connect goes on.
    const ready = this.#bus.flush().catch(() => undefined);
    const entry = { conns, subscription, pending: 0, ready };
    this.#users.set(user, entry);
    return entry;
  }

  #dropIfUnused(user: string, entry: LocalUser): void {
    if (entry.conns.size > 0 || entry.pending > 0) return;
    entry.subscription.unsubscribe();
    this.#users.delete(user);
  }

  remove(user: string, conn: Connection): void {
    const entry = this.#users.get(user);
    if (!entry) return;
    entry.conns.delete(conn);
    this.#dropIfUnused(user, entry);
  }
}

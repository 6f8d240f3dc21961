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
  /** Notifications (`sb.user.*`) and control (`sb.control.user.*`). */
  subscriptions: [Subscription, Subscription];
  /** Connects between `hold` and `add` (or `release`): the entry stays while any is pending. */
  pending: number;
  /** Settles once the bus server has the subscriptions (a flush round trip). */
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
 * of the user's local connections) on `sb.user.*`, control messages from the API on
 * `sb.control.user.*`. Control arriving on the notification subject is ignored: routers publish
 * there on behalf of any backend, and only the API may control connections.
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
   * Subscribes to `user`'s subjects before a connection of theirs is opened, and settles once the
   * bus server has the subscriptions: a control message or notification a backend sends right
   * after the connect reply (a Subscribe, say) would otherwise race them and be lost. Every hold
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

  /** When the user's subjects are subscribed on the bus server. */
  ready(user: string): Promise<void> {
    return this.#users.get(user)?.ready ?? Promise.resolve();
  }

  add(user: string, conn: Connection, held = false): void {
    const entry = this.#users.get(user) ?? this.#subscribe(user);
    if (held) entry.pending--;
    entry.conns.add(conn);
  }

  remove(user: string, conn: Connection): void {
    const entry = this.#users.get(user);
    if (!entry) return;
    entry.conns.delete(conn);
    this.#dropIfUnused(user, entry);
  }

  #subscribe(user: string): LocalUser {
    const conns = new Set<Connection>();
    const notifications = this.#bus.subscribe(Subjects.user(user), (msg) => {
      if (msg.headers?.[DeliveryHeaders.kind] === 'control') {
        this.#delivery.log.warn({ user }, 'control message on a notification subject ignored');
        return;
      }
      const frame = textFrame(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
      for (const c of conns) this.#delivery.write(c, frame);
    });
    const control = this.#bus.subscribe(Subjects.controlUser(user), (msg) => {
      const message = parseControl(msg.data, msg.headers);
      if (message) this.#delivery.control(conns, message);
      else this.#delivery.log.warn({ user }, 'malformed control message ignored');
    });
    // A failed flush means the bus is down: readiness reports that, and the connect goes on.
    const ready = this.#bus.flush().catch(() => undefined);
    const entry: LocalUser = { conns, subscriptions: [notifications, control], pending: 0, ready };
    this.#users.set(user, entry);
    return entry;
  }

  #dropIfUnused(user: string, entry: LocalUser): void {
    if (entry.conns.size > 0 || entry.pending > 0) return;
    for (const subscription of entry.subscriptions) subscription.unsubscribe();
    this.#users.delete(user);
  }
}

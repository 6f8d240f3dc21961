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

  add(user: string, conn: Connection): void {
    const existing = this.#users.get(user);
    if (existing) {
      existing.conns.add(conn);
      return;
    }
    const conns = new Set([conn]);
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
    this.#users.set(user, { conns, subscriptions: [notifications, control] });
  }

  remove(user: string, conn: Connection): void {
    const entry = this.#users.get(user);
    if (!entry) return;
    entry.conns.delete(conn);
    if (entry.conns.size === 0) {
      for (const subscription of entry.subscriptions) subscription.unsubscribe();
      this.#users.delete(user);
    }
  }
}

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

  add(user: string, conn: Connection): void {
    const existing = this.#users.get(user);
    if (existing) {
      existing.conns.add(conn);
      return;
    }
    const conns = new Set([conn]);
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
    this.#users.set(user, { conns, subscription });
  }

  remove(user: string, conn: Connection): void {
    const entry = this.#users.get(user);
    if (!entry) return;
    entry.conns.delete(conn);
    if (entry.conns.size === 0) {
      entry.subscription.unsubscribe();
      this.#users.delete(user);
    }
  }
}

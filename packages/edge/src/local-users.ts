import { type Bus, Subjects, type Subscription } from '@switchboard/runtime';
import type { Connection } from './connection.js';

interface LocalUser {
  conns: Set<Connection>;
  subscription: Subscription;
}

/**
 * The users with connections on this edge. Like rooms, the edge listens on a user's subject
 * only while that user is connected here, and writes each notification — one serialized
 * frame — to all of the user's local connections.
 */
export class LocalUsers {
  readonly #users = new Map<string, LocalUser>();
  readonly #bus: Bus;
  readonly #write: (conn: Connection, frame: Buffer) => void;

  constructor(bus: Bus, write: (conn: Connection, frame: Buffer) => void) {
    this.#bus = bus;
    this.#write = write;
  }

  add(user: string, conn: Connection): void {
    const existing = this.#users.get(user);
    if (existing) {
      existing.conns.add(conn);
      return;
    }
    const conns = new Set([conn]);
    const subscription = this.#bus.subscribe(Subjects.user(user), (msg) => {
      const frame = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
      for (const c of conns) this.#write(c, frame);
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

import type { Connection, EdgeSocket } from './connection.js';

/**
 * The connections on this edge: the live ones (by id too, for control messages that name
 * one) and the sockets not yet fully closed (a cleaned-up connection's socket may still be
 * closing, and stopping waits for it).
 */
export class Connections {
  readonly #live = new Set<Connection>();
  readonly #byId = new Map<string, Connection>();
  readonly #sockets = new Set<EdgeSocket>();

  add(conn: Connection): void {
    this.#live.add(conn);
    this.#byId.set(conn.id, conn);
    this.#sockets.add(conn.socket);
  }

  /** The connection is cleaned up; its socket stays counted until it has closed. */
  remove(conn: Connection): void {
    this.#live.delete(conn);
    this.#byId.delete(conn.id);
  }

  socketClosed(socket: EdgeSocket): void {
    this.#sockets.delete(socket);
  }

  get size(): number {
    return this.#live.size;
  }

  byId(id: string): Connection | undefined {
    return this.#byId.get(id);
  }

  /** Live connections, in the order they connected. */
  [Symbol.iterator](): IterableIterator<Connection> {
    return this.#live.values();
  }

  /** Sockets still closing (or open). */
  get openSockets(): ReadonlySet<EdgeSocket> {
    return this.#sockets;
  }
}

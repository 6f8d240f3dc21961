import type { Identity } from '@switchboard/auth';
import type { PresenceClient } from '@switchboard/presence';
import { ErrorCode, type Position } from '@switchboard/protocol';
import type { JoinReply, RouterClient } from '@switchboard/router';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from './connection.js';
import type { LifecycleEvents } from './lifecycle-events.js';
import type { LocalRooms } from './local-rooms.js';

export type LeaveReason = 'leave' | 'unsubscribed' | 'disconnect';

export interface MembershipDeps {
  rooms: LocalRooms;
  router: RouterClient;
  presence: PresenceClient;
  events: LifecycleEvents;
  log: Logger;
  maxRoomsPerConnection: number;
}

/**
 * Which rooms each connection is in (joined or being joined), and the steps of entering and
 * leaving one: local delivery (LocalRooms), the router's position, presence, lifecycle events.
 */
export class Membership {
  /** Only connections that joined something have an entry. */
  readonly #roomsOf = new Map<Connection, Set<string>>();
  readonly #rooms: LocalRooms;
  readonly #router: RouterClient;
  readonly #presence: PresenceClient;
  readonly #events: LifecycleEvents;
  readonly #log: Logger;
  readonly #maxRooms: number;

  constructor(deps: MembershipDeps) {
    this.#rooms = deps.rooms;
    this.#router = deps.router;
    this.#presence = deps.presence;
    this.#events = deps.events;
    this.#log = deps.log;
    this.#maxRooms = deps.maxRoomsPerConnection;
  }

  /** The rooms `conn` is in or joining. */
  roomsOf(conn: Connection): ReadonlySet<string> | undefined {
    return this.#roomsOf.get(conn);
  }

  /** Why `conn` cannot join `room`, if it cannot: already in it, or in too many rooms. */
  refusal(conn: Connection, room: string): { code: number; message: string } | undefined {
    const rooms = this.#roomsOf.get(conn);
    if (rooms?.has(room)) return { code: ErrorCode.AlreadyJoined, message: `already in room "${room}"` };
    if ((rooms?.size ?? 0) >= this.#maxRooms) {
      return { code: ErrorCode.TooManyRooms, message: `at most ${this.#maxRooms} rooms` };
    }
    return undefined;
  }

  /**
   * The join sequence shared by client joins and server-side subscriptions: listen first, then
   * ask the router for the position (nothing published in between can be missed), then
   * presence. The caller replies and then `activate`s the membership.
   */
  async enter(
    conn: Connection,
    room: string,
    since: Position | undefined,
  ): Promise<JoinReply | 'left' | 'closed'> {
    let rooms = this.#roomsOf.get(conn);
    if (!rooms) {
      rooms = new Set();
      this.#roomsOf.set(conn, rooms);
    }
    const identity = conn.identity!;
    rooms.add(room);
    let result: JoinReply;
    try {
      await this.#rooms.hold(conn, room);
      result = await this.#router.join({
        room,
        ...(since ? { since } : {}),
      });
    } catch (error) {
      if (rooms.delete(room)) this.#rooms.remove(conn, room);
      throw error;
    }
    if (!conn.isOpen) return 'closed';
    if (!rooms.has(room)) return 'left';
    try {
      await this.#presence.join(room, { conn: conn.id, user: identity.user, ...metaOf(identity) });
    } catch (error) {
      // Presence is secondary: the join stands, the entry is re-added by the next refresh.
      this.#log.warn({ err: error, room }, 'presence join failed');
    }
    if (!conn.isOpen) return 'closed';
    if (!rooms.has(room)) return 'left';
    this.#events.publish('join', conn, { room });
    return result;
  }

  /** After the join reply went out: live deliveries flow (held ones newer than `position` first). */
  activate(conn: Connection, room: string, position: { offset: number; epoch: string }): void {
    this.#rooms.activate(conn, room, position);
  }

  /** Leaves a room: membership, presence, event. False when the connection was not in it. */
  exit(conn: Connection, room: string, reason: LeaveReason): boolean {
    if (!this.#roomsOf.get(conn)?.delete(room)) return false;
    this.#rooms.remove(conn, room);
    this.#presenceLeave(room, conn.id);
    this.#events.publish('leave', conn, { room, reason });
    return true;
  }

  /** A closed connection leaves every room it was in. */
  exitAll(conn: Connection): void {
    const rooms = this.#roomsOf.get(conn);
    if (!rooms) return;
    for (const room of [...rooms]) this.exit(conn, room, 'disconnect');
    this.#roomsOf.delete(conn);
  }

  #presenceLeave(room: string, connId: string): void {
    this.#presence.leave(room, connId).catch((error: unknown) => {
      // The entry expires by TTL if this is lost.
      this.#log.warn({ err: error, room }, 'presence leave failed');
    });
  }
}

/** A presence entry's `meta`, when the token carried one. */
export function metaOf(identity: Identity): { meta?: NonNullable<Identity['meta']> } {
  return identity.meta !== undefined ? { meta: identity.meta } : {};
}

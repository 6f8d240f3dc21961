import type { JsonObject } from '@switchboard/protocol';

/**
 * Who is in each room: one entry per connection (a user on three devices has three).
 * Entries live `ttlMs` unless `add` is called again, so the members of a dead edge
 * disappear by themselves; `sweep` removes expired entries and returns them so the
 * presence service can announce the leaves.
 */
export interface PresenceEntry {
  conn: string;
  user: string;
  /** Public metadata only: it is shown to every member of the room. */
  meta?: JsonObject;
}

export interface PresenceCount {
  connections: number;
  users: number;
}

/** One room with live members, as `rooms()` lists it. */
export interface PresenceRoom {
  room: string;
  connections: number;
  users: number;
}

export interface PresenceRoomsPage {
  /** Rooms with at least one live member, in name order (by UTF-16 code unit; room names are ASCII). */
  rooms: PresenceRoom[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface PresenceStore {
  /** Adds or refreshes an entry. Resolves true when the connection was not present before. */
  add(room: string, entry: PresenceEntry): Promise<boolean>;
  /** Resolves the removed entry, or undefined when it was not there. */
  remove(room: string, conn: string): Promise<PresenceEntry | undefined>;
  list(room: string): Promise<PresenceEntry[]>;
  count(room: string): Promise<PresenceCount>;
  /**
   * Live connections in the room, without reading entries (O(log n) in Redis): what the
   * join/leave push gate needs on every flush, where `count` would read the whole room.
   */
  connections(room: string): Promise<number>;
  /** Rooms with at least one live member after `cursor` (a room name), at most `limit` of them. */
  rooms(options: { cursor?: string; limit: number }): Promise<PresenceRoomsPage>;
  /** Removes entries whose TTL ran out and returns them. */
  sweep(): Promise<Array<{ room: string; entry: PresenceEntry }>>;
  close(): Promise<void>;
}

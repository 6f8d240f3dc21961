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

export interface PresenceStore {
  /** Adds or refreshes an entry. Resolves true when the connection was not present before. */
  add(room: string, entry: PresenceEntry): Promise<boolean>;
  /** Resolves the removed entry, or undefined when it was not there. */
  remove(room: string, conn: string): Promise<PresenceEntry | undefined>;
  list(room: string): Promise<PresenceEntry[]>;
  count(room: string): Promise<PresenceCount>;
  /** Removes entries whose TTL ran out and returns them. */
  sweep(): Promise<Array<{ room: string; entry: PresenceEntry }>>;
  close(): Promise<void>;
}

import type {
  PresenceCount,
  PresenceEntry,
  PresenceRoom,
  PresenceRoomsPage,
  PresenceStore,
} from './presence-store.js';

interface Stored {
  entry: PresenceEntry;
  expiresAt: number;
}

export class MemoryPresenceStore implements PresenceStore {
  readonly #rooms = new Map<string, Map<string, Stored>>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { ttlMs: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  async add(room: string, entry: PresenceEntry): Promise<boolean> {
    let members = this.#rooms.get(room);
    if (!members) {
      members = new Map();
      this.#rooms.set(room, members);
    }
    const now = this.#now();
    const existing = members.get(entry.conn);
    const isNew = !existing || existing.expiresAt <= now;
    members.set(entry.conn, { entry, expiresAt: now + this.#ttlMs });
    return isNew;
  }

  async remove(room: string, conn: string): Promise<PresenceEntry | undefined> {
    const members = this.#rooms.get(room);
    const stored = members?.get(conn);
    if (!members || !stored) return undefined;
    members.delete(conn);
    if (members.size === 0) this.#rooms.delete(room);
    return stored.expiresAt > this.#now() ? stored.entry : undefined;
  }

  async list(room: string): Promise<PresenceEntry[]> {
    const now = this.#now();
    const out: PresenceEntry[] = [];
    for (const stored of this.#rooms.get(room)?.values() ?? []) {
      if (stored.expiresAt > now) out.push(stored.entry);
    }
    return out;
  }

  async count(room: string): Promise<PresenceCount> {
    const entries = await this.list(room);
    return { connections: entries.length, users: new Set(entries.map((e) => e.user)).size };
  }

  async connections(room: string): Promise<number> {
    const now = this.#now();
    let live = 0;
    for (const stored of this.#rooms.get(room)?.values() ?? []) if (stored.expiresAt > now) live++;
    return live;
  }

  async rooms(options: { cursor?: string; limit: number }): Promise<PresenceRoomsPage> {
    const limit = Math.max(1, Math.floor(options.limit));
    const names = [...this.#rooms.keys()]
      .filter((room) => options.cursor === undefined || room > options.cursor)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: PresenceRoom[] = [];
    for (const room of names) {
      const count = await this.count(room);
      if (count.connections === 0) continue;
      // One more than asked tells whether there is a next page.
      if (out.length === limit) return { rooms: out, nextCursor: out[limit - 1]!.room };
      out.push({ room, ...count });
    }
    return { rooms: out };
  }

  async sweep(): Promise<Array<{ room: string; entry: PresenceEntry }>> {
    const now = this.#now();
    const removed: Array<{ room: string; entry: PresenceEntry }> = [];
    for (const [room, members] of this.#rooms) {
      for (const [conn, stored] of members) {
        if (stored.expiresAt > now) continue;
        members.delete(conn);
        removed.push({ room, entry: stored.entry });
      }
      if (members.size === 0) this.#rooms.delete(room);
    }
    return removed;
  }

  async close(): Promise<void> {
    this.#rooms.clear();
  }
}

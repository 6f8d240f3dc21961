import type { JsonObject } from '@switchboard/protocol';
import { type Logger, silentLogger } from '@switchboard/telemetry';
import type {
  PresenceCount,
  PresenceEntry,
  PresenceRoom,
  PresenceRoomsPage,
  PresenceStore,
} from '../presence-store.js';
import { defineLuaCommands, type LuaCommand } from './lua-commands.js';
import {
  hashTag,
  type RedisClient,
  RedisStoreBase,
  type RedisStoreOptions,
  replyArray,
  replyInt,
  replyString,
} from './redis-store.js';

/*
 * Layout:
 *   <prefix>:p:{room}:exp  ZSET  conn → expiry (Redis ms)
 *   <prefix>:p:{room}:e    HASH  conn → entry JSON
 *   <prefix>:p:due         ZSET  JSON [room, conn] → expiry, the sweep index
 *
 * The per-room keys share a hash tag, so each per-room script is atomic even in Redis Cluster.
 * The index cannot share a slot with every room, so it is kept apart and updated after the
 * room, by rules that never lose a live member from it:
 *   - `add` writes the room, then ZADDs the index with the expiry the room got;
 *   - `remove` leaves the index alone: the stale item is dropped by the next sweep;
 *   - `sweep` takes due items, removes the members that are still expired in their room, then
 *     drops an item only if its index score is still due — a refresh that raced the sweep has
 *     already raised the score, or its ZADD comes afterwards and puts the item back.
 * Indexing per connection rather than per room lets `sweep` find exactly what is due.
 *
 * The room index, for `rooms()` (two keys in one slot, so cleaning it is atomic):
 *   <prefix>:pr:{rooms}:lex  ZSET  room → 0 (all scores equal: ordered by name, paged by ZRANGEBYLEX)
 *   <prefix>:pr:{rooms}:exp  ZSET  room → latest expiry of any of its members (ZADD GT)
 * `add` puts the room in both. A room is dropped from them only once its latest expiry has
 * passed (then it has no live member, whatever happened since); a room emptied by `remove`
 * stays listed as a candidate until then, and `rooms()` skips it because it counts members.
 */

/**
 * Each script's KEYS and ARGV are listed at the top of its file in `lua/`. `list` and `count`
 * read live members' entries with the same function (`lua/lib/presence-live-entries.lua`).
 */
const SCRIPTS = {
  add: { file: 'presence-add', numberOfKeys: 2 },
  remove: { file: 'presence-remove', numberOfKeys: 2 },
  list: { file: 'presence-list', numberOfKeys: 2, libraries: ['presence-live-entries'] },
  count: { file: 'presence-count', numberOfKeys: 2, libraries: ['presence-live-entries'] },
  connections: { file: 'presence-connections', numberOfKeys: 1 },
  due: { file: 'presence-due', numberOfKeys: 1 },
  sweepRoom: { file: 'presence-sweep-room', numberOfKeys: 2 },
  unindex: { file: 'presence-unindex', numberOfKeys: 1 },
  roomsUnindex: { file: 'presence-rooms-unindex', numberOfKeys: 2 },
} as const;

/** Room names read per round trip by `rooms()`. */
const ROOMS_BATCH = 200;

/** Due index items handled per round trip, and rounds per `sweep()` (the rest waits for the next). */
const SWEEP_BATCH = 500;
const SWEEP_MAX_ROUNDS = 20;

export interface RedisPresenceOptions extends RedisStoreOptions {
  ttlMs: number;
  /**
   * A room's keys expire this long after its last `add`, in case sweeping stops for good.
   * Entries left that way are never announced as leaves. Default one hour.
   */
  keyGraceMs?: number;
  /** Where unreadable stored entries are reported. */
  log?: Logger;
}

export class RedisPresenceStore extends RedisStoreBase implements PresenceStore {
  readonly #ttlMs: number;
  readonly #keyTtlMs: number;
  readonly #log: Logger;
  readonly #lua: Record<keyof typeof SCRIPTS, LuaCommand>;

  constructor(redis: RedisClient, options: RedisPresenceOptions) {
    super(redis, 'presence store', options);
    this.#lua = defineLuaCommands(redis, SCRIPTS);
    if (!Number.isSafeInteger(options.ttlMs) || options.ttlMs < 1) {
      throw new RangeError('presence ttlMs must be a whole number >= 1');
    }
    this.#ttlMs = options.ttlMs;
    this.#keyTtlMs = options.ttlMs + Math.max(0, Math.floor(options.keyGraceMs ?? 3_600_000));
    this.#log = options.log ?? silentLogger();
  }

  async add(room: string, entry: PresenceEntry): Promise<boolean> {
    this.assertOpen();
    const reply = replyArray(
      await this.#lua.add(this.#keys(room), [entry.conn, JSON.stringify(entry), this.#ttlMs, this.#keyTtlMs]),
      'presence add',
    );
    const expires = replyInt(reply[1], 'presence add');
    const [lex, exp] = this.#roomIndex();
    // Two slots (the sweep index, the room index): plain commands issued together, which the
    // client's auto-pipelining sends in one write per node (no Pipeline object per add).
    await Promise.all([
      this.redis.zadd(this.#index(), expires, indexItem(room, entry.conn)),
      this.redis.zadd(lex, 0, room),
      this.redis.zadd(exp, 'GT', expires, room),
    ]);
    return replyInt(reply[0], 'presence add') === 1;
  }

  async remove(room: string, conn: string): Promise<PresenceEntry | undefined> {
    this.assertOpen();
    const reply = await this.#lua.remove(this.#keys(room), [conn]);
    if (reply === null) return undefined;
    return this.#parse(replyString(reply, 'presence remove'), room);
  }

  async list(room: string): Promise<PresenceEntry[]> {
    this.assertOpen();
    const reply = replyArray(await this.#lua.list(this.#keys(room), []), 'presence list');
    const out: PresenceEntry[] = [];
    for (const raw of reply) {
      const entry = this.#parse(replyString(raw, 'presence list'), room);
      if (entry) out.push(entry);
    }
    return out;
  }

  async count(room: string): Promise<PresenceCount> {
    this.assertOpen();
    const reply = replyArray(await this.#lua.count(this.#keys(room), []), 'presence count');
    return { connections: replyInt(reply[0], 'presence count'), users: replyInt(reply[1], 'presence count') };
  }

  async connections(room: string): Promise<number> {
    this.assertOpen();
    const [exp] = this.#keys(room);
    return replyInt(await this.#lua.connections([exp], []), 'presence connections');
  }

  async rooms(options: { cursor?: string; limit: number }): Promise<PresenceRoomsPage> {
    this.assertOpen();
    const limit = Math.max(1, Math.floor(options.limit));
    const [lex] = this.#roomIndex();
    const out: PresenceRoom[] = [];
    let from = options.cursor === undefined ? '-' : `(${options.cursor}`;
    for (;;) {
      const names = (await this.redis.zrangebylex(lex, from, '+', 'LIMIT', 0, ROOMS_BATCH)).map((n) =>
        replyString(n, 'presence rooms'),
      );
      const counts = await Promise.all(names.map((room) => this.count(room)));
      for (let i = 0; i < names.length; i++) {
        const count = counts[i]!;
        if (count.connections === 0) continue;
        // One more than asked tells whether there is a next page.
        if (out.length === limit) return { rooms: out, nextCursor: out[limit - 1]!.room };
        out.push({ room: names[i]!, ...count });
      }
      if (names.length < ROOMS_BATCH) return { rooms: out };
      from = `(${names[names.length - 1]!}`;
    }
  }

  async sweep(): Promise<Array<{ room: string; entry: PresenceEntry }>> {
    this.assertOpen();
    await this.#lua.roomsUnindex(this.#roomIndex(), [SWEEP_BATCH]);
    const removed: Array<{ room: string; entry: PresenceEntry }> = [];
    for (let round = 0; round < SWEEP_MAX_ROUNDS; round++) {
      const items = replyArray(await this.#lua.due([this.#index()], [SWEEP_BATCH]), 'presence sweep').map(
        (item) => replyString(item, 'presence sweep'),
      );
      const byRoom = new Map<string, string[]>();
      for (const item of items) {
        const parsed = parseIndexItem(item);
        // An unreadable item is simply dropped below: nothing else refers to it.
        if (!parsed) continue;
        const conns = byRoom.get(parsed.room);
        if (conns) conns.push(parsed.conn);
        else byRoom.set(parsed.room, [parsed.conn]);
      }
      for (const [room, conns] of byRoom) {
        let reply: unknown[];
        try {
          reply = replyArray(await this.#lua.sweepRoom(this.#keys(room), conns), 'presence sweep');
        } catch (error) {
          // A reply error (e.g. a key of the wrong type) would fail every sweep from now on if
          // its items stayed due: report it and let them go. Connection errors are rethrown.
          if (!isReplyError(error)) throw error;
          this.#log.error({ err: error, room }, 'presence sweep failed for a room; dropping its due entries');
          continue;
        }
        for (let i = 0; i + 1 < reply.length; i += 2) {
          const entry = this.#parse(replyString(reply[i + 1], 'presence sweep'), room);
          if (entry) removed.push({ room, entry });
        }
      }
      if (items.length > 0) await this.#lua.unindex([this.#index()], items);
      if (items.length < SWEEP_BATCH) break;
    }
    return removed;
  }

  #keys(room: string): [string, string] {
    const base = `${this.prefix}:p:${hashTag(room)}`;
    return [`${base}:exp`, `${base}:e`];
  }

  #roomIndex(): [string, string] {
    return [`${this.prefix}:pr:{rooms}:lex`, `${this.prefix}:pr:{rooms}:exp`];
  }

  #index(): string {
    return `${this.prefix}:p:due`;
  }

  /** Stored entries are our own JSON, but Redis is shared: check before trusting them. */
  #parse(raw: string, room: string): PresenceEntry | undefined {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    if (isEntry(value)) return value;
    this.#log.warn({ room }, 'skipped an unreadable presence entry');
    return undefined;
  }
}

function isEntry(value: unknown): value is PresenceEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as { conn?: unknown; user?: unknown; meta?: unknown };
  if (typeof v.conn !== 'string' || typeof v.user !== 'string') return false;
  return v.meta === undefined || isJsonObject(v.meta);
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function indexItem(room: string, conn: string): string {
  return JSON.stringify([room, conn]);
}

function parseIndexItem(item: string): { room: string; conn: string } | undefined {
  try {
    const value: unknown = JSON.parse(item);
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { room: value[0], conn: value[1] };
    }
  } catch {
    // Falls through.
  }
  return undefined;
}

/** ioredis exports ReplyError untyped; server error replies carry this name. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

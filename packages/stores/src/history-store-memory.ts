import { randomId } from '@switchboard/bus';
import type {
  AppendOptions,
  AppendResult,
  HistoryEntry,
  HistoryLimits,
  HistoryStore,
  RateLimitedAppend,
  ReadOptions,
  ReadResult,
} from './history-store.js';
import { MemoryRateLimitStore } from './rate-limit-store-memory.js';

interface StoredEntry extends HistoryEntry {
  expiresAt: number;
}

interface RoomStream {
  epoch: string;
  offset: number;
  /** Oldest first; never longer than `size`. */
  entries: StoredEntry[];
  keys: Map<string, { offset: number; expiresAt: number }>;
  touchedAt: number;
}

/** Keys remembered per room at most, whatever the TTL, so one room cannot grow without bound. */
const MAX_KEYS_PER_ROOM = 10_000;

export interface MemoryHistoryOptions extends HistoryLimits {
  /** Rooms kept at most; the least recently used room is dropped (its epoch changes). */
  maxRooms: number;
  /** Token buckets kept at most for appends' rate limits (see `MemoryRateLimitStore`). Default 100 000. */
  maxRateLimitKeys?: number;
  now?: () => number;
}

export class MemoryHistoryStore implements HistoryStore {
  // Map iteration order is insertion order: re-inserting on use makes it an LRU.
  readonly #rooms = new Map<string, RoomStream>();
  readonly #options: MemoryHistoryOptions;
  readonly #now: () => number;
  /** The buckets of appends' `rateLimit`s. */
  readonly #buckets: MemoryRateLimitStore;
  /** The last epoch generation handed out: the next one is above it, whatever the clock does. */
  #generation = 0;

  constructor(options: MemoryHistoryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#buckets = new MemoryRateLimitStore({
      maxKeys: options.maxRateLimitKeys ?? 100_000,
      now: this.#now,
    });
  }

  append(
    room: string,
    payload: string,
    options?: { idempotencyKey?: string; rateLimit?: undefined },
  ): Promise<AppendResult>;
  append(room: string, payload: string, options?: AppendOptions): Promise<AppendResult | RateLimitedAppend>;
  async append(
    room: string,
    payload: string,
    options?: AppendOptions,
  ): Promise<AppendResult | RateLimitedAppend> {
    const limit = options?.rateLimit;
    if (limit !== undefined && limit.rate !== 0) {
      const taken = await this.#buckets.consume(limit.key, limit);
      if (!taken.allowed) return { limited: true, retryAfterMs: taken.retryAfterMs };
    }
    const now = this.#now();
    const stream = this.#stream(room, now);
    const key = options?.idempotencyKey;
    if (key !== undefined) {
      const seen = stream.keys.get(key);
      if (seen && seen.expiresAt > now) return { offset: seen.offset, epoch: stream.epoch, duplicate: true };
    }
    stream.offset += 1;
    stream.touchedAt = now;
    if (this.#options.size > 0) {
      stream.entries.push({ offset: stream.offset, payload, expiresAt: now + this.#options.ttlMs });
      if (stream.entries.length > this.#options.size) stream.entries.shift();
    }
    if (key !== undefined) {
      stream.keys.delete(key);
      stream.keys.set(key, { offset: stream.offset, expiresAt: now + this.#options.idempotencyTtlMs });
      pruneKeys(stream.keys, now);
    }
    return { offset: stream.offset, epoch: stream.epoch, duplicate: false };
  }

  async read(room: string, options: ReadOptions): Promise<ReadResult> {
    const now = this.#now();
    const stream = this.#stream(room, now);
    const since = options.since ?? 0;
    const live = stream.entries.filter((e) => e.expiresAt > now && e.offset > since);
    const picked = options.reverse ? live.slice(-options.limit).reverse() : live.slice(0, options.limit);
    return {
      offset: stream.offset,
      epoch: stream.epoch,
      entries: picked.map((e) => ({ offset: e.offset, payload: e.payload })),
    };
  }

  /** The wall clock in microseconds (an injected `now` counts milliseconds). */
  #microseconds(): number {
    if (this.#options.now) return Math.floor(this.#options.now() * 1000);
    return Math.floor((performance.timeOrigin + performance.now()) * 1000);
  }

  async close(): Promise<void> {
    this.#rooms.clear();
    await this.#buckets.close();
  }

  #stream(room: string, now: number): RoomStream {
    let stream = this.#rooms.get(room);
    if (stream && now - stream.touchedAt > this.#options.metaTtlMs) {
      this.#rooms.delete(room);
      stream = undefined;
    }
    if (stream) {
      this.#rooms.delete(room);
      this.#rooms.set(room, stream);
      return stream;
    }
    // "<generation>-<random>", as the Redis store makes them: microseconds, only ever growing.
    this.#generation = Math.max(this.#microseconds(), this.#generation + 1);
    stream = {
      epoch: `${this.#generation}-${randomId(8)}`,
      offset: 0,
      entries: [],
      keys: new Map(),
      touchedAt: now,
    };
    this.#rooms.set(room, stream);
    if (this.#rooms.size > this.#options.maxRooms) {
      const oldest = this.#rooms.keys().next().value;
      if (oldest !== undefined) this.#rooms.delete(oldest);
    }
    return stream;
  }
}

function pruneKeys(keys: Map<string, { expiresAt: number }>, now: number): void {
  // Keys are in insertion order, so expired ones are at the front.
  for (const [key, value] of keys) {
    if (value.expiresAt > now && keys.size <= MAX_KEYS_PER_ROOM) break;
    keys.delete(key);
  }
}

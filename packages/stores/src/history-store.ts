/**
 * Per-room message streams: offsets, epochs, bounded history and idempotency keys.
 *
 * Offsets live here, not in a store of their own, because assigning an offset and appending
 * the message must be one atomic step (in Redis: one Lua script) — otherwise a crash between
 * the two leaves a hole that recovery cannot tell from a lost message.
 *
 * Guarantees every implementation keeps (checked by `historyStoreContract`):
 * - offsets per room start at 1 and increase by exactly 1 per accepted append;
 * - the epoch stays the same while the room's stream exists and changes when the stream was
 *   lost (evicted, store flushed) — a client holding the old epoch must not trust its offset;
 * - at most `size` newest entries are kept, each readable for `ttlMs` after its append; the
 *   offset and epoch outlive the entries (for `metaTtlMs`), so a gap is detectable;
 * - an append with an idempotency key seen within `idempotencyTtlMs` returns the original
 *   offset with `duplicate: true` and stores nothing;
 * - an append with a `rateLimit` first takes one token from that bucket (also when it turns out a
 *   duplicate), and appends nothing when the bucket is empty: it returns `limited: true` and when
 *   to retry. A bucket refills as `RateLimitStore.consume`'s do (in Redis it is the very bucket
 *   that store names so), and taking from it is part of the append's round trip to the store
 *   wherever the backend can do both at once.
 */

import type { RateLimitRule } from './rate-limit-store.js';

export interface StreamPosition {
  /** Offset of the newest message (0 before the first). */
  offset: number;
  epoch: string;
}

export interface HistoryEntry {
  offset: number;
  /** Opaque to the store: the router's serialized message body. */
  payload: string;
}

export interface AppendResult extends StreamPosition {
  duplicate: boolean;
}

/** The token bucket an append takes from first. `rate` 0 means unlimited: no bucket is touched. */
export interface AppendRateLimit extends RateLimitRule {
  /** The bucket, as `RateLimitStore.consume` names it (e.g. `pub:<user>`). */
  key: string;
}

export interface AppendOptions {
  idempotencyKey?: string;
  rateLimit?: AppendRateLimit;
}

/** An append refused by its rate limit: nothing was stored. */
export interface RateLimitedAppend {
  limited: true;
  /** When the caller may try again. */
  retryAfterMs: number;
}

export interface ReadOptions {
  /** Only entries with an offset greater than this. */
  since?: number;
  limit: number;
  /** Newest first (the newest `limit` entries). */
  reverse?: boolean;
}

export interface ReadResult extends StreamPosition {
  entries: HistoryEntry[];
}

export interface HistoryLimits {
  /** Entries kept per room. */
  size: number;
  /** How long an entry stays readable. */
  ttlMs: number;
  /** How long a room's offset and epoch survive without appends. */
  metaTtlMs: number;
  /** How long an idempotency key is remembered. */
  idempotencyTtlMs: number;
}

export interface HistoryStore {
  append(
    room: string,
    payload: string,
    options?: { idempotencyKey?: string; rateLimit?: undefined },
  ): Promise<AppendResult>;
  /** With a `rateLimit`, the append may be refused: see `RateLimitedAppend`. */
  append(room: string, payload: string, options?: AppendOptions): Promise<AppendResult | RateLimitedAppend>;
  read(room: string, options: ReadOptions): Promise<ReadResult>;
  close(): Promise<void>;
}

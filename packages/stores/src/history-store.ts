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
 *   offset with `duplicate: true` and stores nothing.
 */

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
  append(room: string, payload: string, options?: { idempotencyKey?: string }): Promise<AppendResult>;
  read(room: string, options: ReadOptions): Promise<ReadResult>;
  close(): Promise<void>;
}

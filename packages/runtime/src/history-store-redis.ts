import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ClosedError } from './errors.js';
import type {
  AppendResult,
  HistoryEntry,
  HistoryLimits,
  HistoryStore,
  ReadOptions,
  ReadResult,
} from './history-store.js';
import { randomId } from './ids.js';

// ---------------------------------------------------------------------------------------------
// Shared by the Redis stores (presence, rate limit, revocation import these from here).
// ---------------------------------------------------------------------------------------------

/** Options every Redis store takes besides the client. */
export interface RedisStoreOptions {
  /** First part of every key, so several deployments can share one Redis. Default `sb`. */
  prefix?: string;
  /**
   * Whether `close()` quits the client. Default false: the client is injected and usually
   * shared by several stores, so whoever created it quits it. Pass true to hand it over.
   */
  ownsClient?: boolean;
}

/**
 * Time inside scripts is Redis time (`TIME`), never the caller's clock: every instance then
 * measures TTLs and refills against the one clock that holds the data, however skewed the
 * hosts are. Redis 7 replicates script effects, so TIME before writes is allowed; the call to
 * `replicate_commands` only matters on Redis < 5 and is a no-op after.
 */
export const LUA_NOW_MS = `
if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)
`;

/** A Lua script run by SHA, re-sent in full when the server does not know it (after a restart). */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Every key the script touches is in `keys`, so Redis Cluster can route it. */
  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * The `{…}` hash tag puts all keys of one room in one Cluster slot, which multi-key scripts
 * need. Braces inside the name would end the tag early (and `%` is the escape), so they are
 * escaped; the mapping stays one-to-one.
 */
export function hashTag(name: string): string {
  return `{${name.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}}`;
}

/** Closed state and client ownership, common to the Redis stores. */
export abstract class RedisStoreBase {
  protected readonly redis: Redis;
  protected readonly prefix: string;
  readonly #what: string;
  readonly #ownsClient: boolean;
  #closed = false;

  protected constructor(redis: Redis, what: string, options: RedisStoreOptions) {
    this.redis = redis;
    this.prefix = options.prefix ?? 'sb';
    this.#what = what;
    this.#ownsClient = options.ownsClient ?? false;
  }

  /** Called first by every operation (they are async, so this rejects rather than throws). */
  protected assertOpen(): void {
    if (this.#closed) throw new ClosedError(this.#what);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ownsClient) return;
    const ended = new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
    await this.redis.quit();
    // QUIT answers before the socket is gone; closed means closed.
    if (this.redis.status !== 'end') await ended;
  }
}

/** Narrowing helpers for script replies (the client types them `unknown`). */
export function replyArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`unexpected Redis reply for ${what}`);
  return value;
}

export function replyInt(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new TypeError(`unexpected Redis reply for ${what}`);
  return n;
}

export function replyString(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`unexpected Redis reply for ${what}`);
}

// ---------------------------------------------------------------------------------------------
// The history store.
// ---------------------------------------------------------------------------------------------

/*
 * Layout per room (one hash tag, so one Cluster slot):
 *   <prefix>:h:{room}:meta   HASH   epoch, offset          PEXPIRE metaTtlMs on every append
 *   <prefix>:h:{room}:s      STREAM id "<offset>-0", fields p (payload), t (Redis ms)
 *                                                          MAXLEN size, PEXPIRE ttlMs on every append
 *   <prefix>:h:{room}:k:<key> STRING "<epoch>:<offset>"    PX idempotencyTtlMs
 *
 * Why a stream: with the offset as the entry id, "after offset N" is a native range read
 * (XRANGE "(N-0"), newest-first is XREVRANGE, and XADD MAXLEN trims in the same command. A
 * ZSET needs a unique member encoding per entry and a separate trim; a LIST needs offset → index
 * arithmetic that breaks as soon as an entry is missing.
 *
 * The epoch is generated by the caller (random) and stored only when the meta hash is missing,
 * i.e. the first time or after Redis lost the room: FLUSHALL, eviction, a restart without
 * persistence. A stream left behind by a lost meta belongs to the old epoch and is deleted;
 * an idempotency key from an old epoch is ignored (it stores its epoch).
 */

const APPEND = new RedisScript(`
-- KEYS: meta, stream, idempotency key
-- ARGV: epoch if new, payload, size, ttlMs, metaTtlMs, idempotencyTtlMs, has key (1/0)
${LUA_NOW_MS}
local meta, stream, idem = KEYS[1], KEYS[2], KEYS[3]
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
end
if ARGV[7] == '1' then
  local seen = redis.call('GET', idem)
  if seen then
    local sep = string.find(seen, ':', 1, true)
    if sep and string.sub(seen, 1, sep - 1) == epoch then
      return {tonumber(string.sub(seen, sep + 1)), epoch, 1}
    end
  end
end
local offset = redis.call('HINCRBY', meta, 'offset', 1)
if tonumber(ARGV[3]) > 0 then
  redis.call('XADD', stream, 'MAXLEN', ARGV[3], offset .. '-0', 'p', ARGV[2], 't', now)
  redis.call('PEXPIRE', stream, ARGV[4])
end
redis.call('PEXPIRE', meta, ARGV[5])
-- A plain SET, not SET NX: a key left from an older epoch must be replaced.
if ARGV[7] == '1' then
  redis.call('SET', idem, epoch .. ':' .. offset, 'PX', ARGV[6])
end
return {offset, epoch, 0}
`);

const READ = new RedisScript(`
-- KEYS: meta, stream
-- ARGV: epoch if new, metaTtlMs, since, limit, reverse (1/0), ttlMs
${LUA_NOW_MS}
local meta, stream = KEYS[1], KEYS[2]
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  -- Reading creates the epoch too: the caller must see the same epoch its next append gets.
  epoch = ARGV[1]
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
  redis.call('PEXPIRE', meta, ARGV[2])
  return {0, epoch, {}}
end
local offset = tonumber(redis.call('HGET', meta, 'offset')) or 0
local limit = tonumber(ARGV[4])
local oldest = now - tonumber(ARGV[6])
local out = {}
local n = 0
if limit > 0 then
  if ARGV[5] == '1' then
    -- Newest first: expired entries are the oldest, so they can only be at the end.
    local rows = redis.call('XREVRANGE', stream, '+', '(' .. ARGV[3] .. '-0', 'COUNT', limit)
    for _, row in ipairs(rows) do
      if tonumber(row[2][4]) > oldest then
        out[#out + 1] = row[1]
        out[#out + 1] = row[2][2]
      end
    end
  else
    -- Oldest first: skip expired entries (a prefix) and keep going until \`limit\` live ones.
    local start = '(' .. ARGV[3] .. '-0'
    while n < limit do
      local rows = redis.call('XRANGE', stream, start, '+', 'COUNT', limit - n)
      if #rows == 0 then break end
      for _, row in ipairs(rows) do
        if tonumber(row[2][4]) > oldest then
          out[#out + 1] = row[1]
          out[#out + 1] = row[2][2]
          n = n + 1
        end
        start = '(' .. row[1]
      end
    end
  end
end
return {offset, epoch, out}
`);

export interface RedisHistoryOptions extends HistoryLimits, RedisStoreOptions {}

export class RedisHistoryStore extends RedisStoreBase implements HistoryStore {
  readonly #limits: HistoryLimits;

  constructor(redis: Redis, options: RedisHistoryOptions) {
    super(redis, 'history store', options);
    const { size, ttlMs, metaTtlMs, idempotencyTtlMs } = options;
    // PEXPIRE/PX refuse 0, and a fractional MAXLEN is a script error half-way through an append.
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError('history size must be a whole number >= 0');
    for (const [name, value] of Object.entries({ ttlMs, metaTtlMs, idempotencyTtlMs })) {
      if (!Number.isSafeInteger(value) || value < 1)
        throw new RangeError(`history ${name} must be a whole number >= 1`);
    }
    this.#limits = { size, ttlMs, metaTtlMs, idempotencyTtlMs };
  }

  async append(room: string, payload: string, options?: { idempotencyKey?: string }): Promise<AppendResult> {
    this.assertOpen();
    const key = options?.idempotencyKey;
    const base = this.#base(room);
    const reply = replyArray(
      await APPEND.run(
        this.redis,
        [`${base}:meta`, `${base}:s`, `${base}:k:${key ?? ''}`],
        [
          randomId(12),
          payload,
          this.#limits.size,
          this.#limits.ttlMs,
          this.#limits.metaTtlMs,
          this.#limits.idempotencyTtlMs,
          key === undefined ? '0' : '1',
        ],
      ),
      'history append',
    );
    return {
      offset: replyInt(reply[0], 'history append'),
      epoch: replyString(reply[1], 'history append'),
      duplicate: replyInt(reply[2], 'history append') === 1,
    };
  }

  async read(room: string, options: ReadOptions): Promise<ReadResult> {
    this.assertOpen();
    // Never more than `size` entries exist, so that also bounds the scan.
    const limit = Math.min(atLeastZero(options.limit), this.#limits.size);
    const since = Math.min(atLeastZero(options.since ?? 0), Number.MAX_SAFE_INTEGER);
    const base = this.#base(room);
    const reply = replyArray(
      await READ.run(
        this.redis,
        [`${base}:meta`, `${base}:s`],
        [randomId(12), this.#limits.metaTtlMs, since, limit, options.reverse ? '1' : '0', this.#limits.ttlMs],
      ),
      'history read',
    );
    const flat = replyArray(reply[2], 'history read');
    const entries: HistoryEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      // Entry ids are "<offset>-0".
      entries.push({
        offset: Number.parseInt(replyString(flat[i], 'history read'), 10),
        payload: replyString(flat[i + 1], 'history read'),
      });
    }
    return {
      offset: replyInt(reply[0], 'history read'),
      epoch: replyString(reply[1], 'history read'),
      entries,
    };
  }

  #base(room: string): string {
    return `${this.prefix}:h:${hashTag(room)}`;
  }
}

/** Offsets and limits from callers, as whole numbers; NaN and negatives count as 0. */
function atLeastZero(n: number): number {
  return n > 0 ? Math.floor(n) : 0;
}

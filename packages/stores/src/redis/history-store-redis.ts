import { randomId } from '@switchboard/bus';
import { epochGeneration } from '@switchboard/protocol';
import type {
  AppendOptions,
  AppendResult,
  HistoryEntry,
  HistoryLimits,
  HistoryStore,
  RateLimitedAppend,
  ReadOptions,
  ReadResult,
} from '../history-store.js';
import { defineLuaCommands, type LuaCommand, type LuaScript, queueLuaCommand } from './lua-commands.js';
import { assertRateLimitRule, RedisRateLimitStore, rateLimitKey } from './rate-limit-store-redis.js';
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
 * The epoch is created by the script only when the meta hash is missing, i.e. the first time or
 * after Redis lost the room: FLUSHALL, eviction, a restart without persistence. It is
 * "<generation>-<random>": the generation is Redis TIME in microseconds, raised above the highest
 * generation this store has seen (the "floor"), so a newer epoch always compares greater (see
 * docs/architecture.md, "Epochs"). A stream left behind by a lost meta belongs to the old epoch
 * and is deleted; an idempotency key from an old epoch is ignored (it stores its epoch).
 *
 * An append with a rate limit takes from the sender's bucket (rate-limit-store-redis.ts) first.
 * On one Redis (standalone, Sentinel) that is the same script: one round trip per publish. A
 * Cluster refuses a script whose keys are in different slots, and the bucket (per user) and the
 * room's keys (per room) are: there the bucket script runs first, then the append.
 */

/** Each script's KEYS and ARGV are listed at the top of its file in `lua/`. */
const SCRIPTS = {
  append: { file: 'history-append', numberOfKeys: 3, libraries: ['history-epoch', 'history-append'] },
  appendRateLimited: {
    file: 'history-append-rate-limited',
    numberOfKeys: 4,
    libraries: ['token-bucket', 'history-epoch', 'history-append'],
  },
  read: { file: 'history-read', numberOfKeys: 2, libraries: ['history-epoch'] },
} as const satisfies Record<string, LuaScript>;

type AppendScript = 'append' | 'appendRateLimited';

/** What one publish takes from its bucket. */
const APPEND_COST = 1;

export interface RedisHistoryOptions extends HistoryLimits, RedisStoreOptions {
  /**
   * Replicas that must have an append before it resolves (Redis `WAIT`, sent on the same
   * connection right after the script). Default 0: replication is asynchronous, and a master
   * lost before it replicated takes its last acknowledged appends with it.
   */
  waitReplicas?: number;
  /** How long `WAIT` may take (default 500 ms); fewer replicas by then reject the append. */
  waitTimeoutMs?: number;
}

/** An append that Redis applied but too few replicas confirmed in time: it may be lost on failover. */
export class ReplicationError extends Error {
  override readonly name = 'ReplicationError';
  constructor(
    readonly wanted: number,
    readonly confirmed: number,
  ) {
    super(`history append reached ${confirmed} of ${wanted} Redis replicas in time`);
  }
}

export class RedisHistoryStore extends RedisStoreBase implements HistoryStore {
  readonly #limits: HistoryLimits;
  readonly #lua: Record<keyof typeof SCRIPTS, LuaCommand>;
  /** The highest epoch generation seen in a reply: a new epoch is always created above it. */
  #generationFloor = 0;
  readonly #waitReplicas: number;
  readonly #waitTimeoutMs: number;
  /** On a Cluster only: the buckets, taken from before the append (a call of its own). */
  readonly #clusterBuckets: RedisRateLimitStore | undefined;

  constructor(redis: RedisClient, options: RedisHistoryOptions) {
    super(redis, 'history store', options);
    this.#lua = defineLuaCommands(redis, SCRIPTS);
    this.#clusterBuckets = redis.isCluster
      ? new RedisRateLimitStore(redis, { prefix: this.prefix, ownsClient: false })
      : undefined;
    const { size, ttlMs, metaTtlMs, idempotencyTtlMs } = options;
    // PEXPIRE/PX refuse 0, and a fractional MAXLEN is a script error half-way through an append.
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError('history size must be a whole number >= 0');
    for (const [name, value] of Object.entries({ ttlMs, metaTtlMs, idempotencyTtlMs })) {
      if (!Number.isSafeInteger(value) || value < 1)
        throw new RangeError(`history ${name} must be a whole number >= 1`);
    }
    this.#limits = { size, ttlMs, metaTtlMs, idempotencyTtlMs };
    this.#waitReplicas = Math.max(0, Math.floor(options.waitReplicas ?? 0));
    this.#waitTimeoutMs = Math.max(1, Math.floor(options.waitTimeoutMs ?? 500));
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
    this.assertOpen();
    const limit = options?.rateLimit;
    if (limit !== undefined && limit.rate !== 0) assertRateLimitRule(limit, APPEND_COST);
    const key = options?.idempotencyKey;
    const base = this.#base(room);
    const keys = [`${base}:meta`, `${base}:s`, `${base}:k:${key ?? ''}`];
    const args: Array<string | number> = [
      randomId(12),
      payload,
      this.#limits.size,
      this.#limits.ttlMs,
      this.#limits.metaTtlMs,
      this.#limits.idempotencyTtlMs,
      key === undefined ? '0' : '1',
      this.#generationFloor,
    ];
    if (limit === undefined || limit.rate === 0) return this.#appended(await this.#run('append', keys, args));
    if (this.#clusterBuckets) {
      // The bucket's slot is not the room's: two calls, the bucket first.
      const taken = await this.#clusterBuckets.consume(limit.key, limit, APPEND_COST);
      if (!taken.allowed) return { limited: true, retryAfterMs: taken.retryAfterMs };
      return this.#appended(await this.#run('append', keys, args));
    }
    const reply = replyArray(
      await this.#run(
        'appendRateLimited',
        [...keys, rateLimitKey(this.prefix, limit.key)],
        [...args, limit.rate, limit.burst, APPEND_COST],
      ),
      'history append',
    );
    if (replyInt(reply[0], 'history append') === 0)
      return { limited: true, retryAfterMs: replyInt(reply[1], 'history append') };
    return this.#appended(reply.slice(2));
  }

  /** An append script's reply {offset, epoch, duplicate}. */
  #appended(value: unknown): AppendResult {
    const reply = replyArray(value, 'history append');
    return {
      offset: replyInt(reply[0], 'history append'),
      epoch: this.#seen(replyString(reply[1], 'history append')),
      duplicate: replyInt(reply[2], 'history append') === 1,
    };
  }

  /** Runs an append script, followed by WAIT when replicas must confirm the append. */
  #run(script: AppendScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    if (this.#waitReplicas === 0) return this.#lua[script](keys, args);
    return this.#appendAndWait(script, keys, args);
  }

  async read(room: string, options: ReadOptions): Promise<ReadResult> {
    this.assertOpen();
    // Never more than `size` entries exist, so that also bounds the scan.
    const limit = Math.min(atLeastZero(options.limit), this.#limits.size);
    const since = Math.min(atLeastZero(options.since ?? 0), Number.MAX_SAFE_INTEGER);
    const base = this.#base(room);
    const reply = replyArray(
      await this.#lua.read(
        [`${base}:meta`, `${base}:s`],
        [
          randomId(12),
          this.#limits.metaTtlMs,
          since,
          limit,
          options.reverse ? '1' : '0',
          this.#limits.ttlMs,
          this.#generationFloor,
        ],
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
      epoch: this.#seen(replyString(reply[1], 'history read')),
      entries,
    };
  }

  /**
   * The script and WAIT in one pipeline: WAIT counts the replicas that have every write made
   * on its connection so far, so it must follow the script on the same one (with a Cluster, a
   * pipeline goes to the node that owns the keys' slot). A publish refused by its rate limit
   * appended nothing: what WAIT says does not matter to it.
   */
  async #appendAndWait(script: AppendScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    const pipeline = this.redis.pipeline();
    queueLuaCommand(pipeline, SCRIPTS[script], keys, args);
    pipeline.wait(this.#waitReplicas, this.#waitTimeoutMs);
    const results = (await pipeline.exec()) ?? [];
    const [appendError, reply] = results[0] ?? [new Error('history append: no reply'), undefined];
    if (appendError) throw appendError;
    if (
      script === 'appendRateLimited' &&
      replyInt(replyArray(reply, 'history append')[0], 'history append') === 0
    )
      return reply;
    const [waitError, confirmed] = results[1] ?? [new Error('WAIT: no reply'), undefined];
    if (waitError) throw waitError;
    const replicas = replyInt(confirmed, 'WAIT');
    if (replicas < this.#waitReplicas) throw new ReplicationError(this.#waitReplicas, replicas);
    return reply;
  }

  #seen(epoch: string): string {
    const generation = epochGeneration(epoch);
    if (generation > this.#generationFloor) this.#generationFloor = generation;
    return epoch;
  }

  #base(room: string): string {
    return `${this.prefix}:h:${hashTag(room)}`;
  }
}

/** Offsets and limits from callers, as whole numbers; NaN and negatives count as 0. */
function atLeastZero(n: number): number {
  return n > 0 ? Math.floor(n) : 0;
}

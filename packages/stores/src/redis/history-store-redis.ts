import { randomId } from '@switchboard/bus';
import { epochGeneration } from '@switchboard/protocol';
import type {
  AppendResult,
  HistoryEntry,
  HistoryLimits,
  HistoryStore,
  ReadOptions,
  ReadResult,
} from '../history-store.js';
import { defineLuaCommands, type LuaCommand, queueLuaCommand } from './lua-commands.js';
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
 */

/** Each script's KEYS and ARGV are listed at the top of its file in `lua/`. */
const SCRIPTS = {
  append: { file: 'history-append', numberOfKeys: 3, libraries: ['history-append'] },
  read: { file: 'history-read', numberOfKeys: 2 },
} as const;

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

  constructor(redis: RedisClient, options: RedisHistoryOptions) {
    super(redis, 'history store', options);
    this.#lua = defineLuaCommands(redis, SCRIPTS);
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

  async append(room: string, payload: string, options?: { idempotencyKey?: string }): Promise<AppendResult> {
    this.assertOpen();
    const key = options?.idempotencyKey;
    const base = this.#base(room);
    const keys = [`${base}:meta`, `${base}:s`, `${base}:k:${key ?? ''}`];
    const args = [
      randomId(12),
      payload,
      this.#limits.size,
      this.#limits.ttlMs,
      this.#limits.metaTtlMs,
      this.#limits.idempotencyTtlMs,
      key === undefined ? '0' : '1',
      this.#generationFloor,
    ];
    const reply = replyArray(
      this.#waitReplicas === 0 ? await this.#lua.append(keys, args) : await this.#appendAndWait(keys, args),
      'history append',
    );
    return {
      offset: replyInt(reply[0], 'history append'),
      epoch: this.#seen(replyString(reply[1], 'history append')),
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
   * pipeline goes to the node that owns the keys' slot).
   */
  async #appendAndWait(keys: string[], args: Array<string | number>): Promise<unknown> {
    const pipeline = this.redis.pipeline();
    queueLuaCommand(pipeline, SCRIPTS.append, keys, args);
    pipeline.wait(this.#waitReplicas, this.#waitTimeoutMs);
    const results = (await pipeline.exec()) ?? [];
    const [appendError, reply] = results[0] ?? [new Error('history append: no reply'), undefined];
    if (appendError) throw appendError;
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

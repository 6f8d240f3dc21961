import { ClosedError } from '@switchboard/bus';
import type { Cluster, Redis } from 'ioredis';

/* What the Redis stores share: options, closed state and client ownership, key hash tags, reply checks. */

/**
 * What the stores talk to: one Redis (standalone, or the master a Sentinel names) or a Redis
 * Cluster. Every script and multi-key command touches keys of one hash tag, i.e. one slot.
 */
export type RedisClient = Redis | Cluster;

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
 * The `{…}` hash tag puts all keys of one room in one Cluster slot, which multi-key scripts
 * need. Braces inside the name would end the tag early (and `%` is the escape), so they are
 * escaped; the mapping stays one-to-one.
 */
export function hashTag(name: string): string {
  return `{${name.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}}`;
}

/** Closed state and client ownership, common to the Redis stores. */
export abstract class RedisStoreBase {
  protected readonly redis: RedisClient;
  protected readonly prefix: string;
  readonly #what: string;
  readonly #ownsClient: boolean;
  #closed = false;

  protected constructor(redis: RedisClient, what: string, options: RedisStoreOptions) {
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

import type { RateLimitResult, RateLimitRule, RateLimitStore } from '../rate-limit-store.js';
import { defineLuaCommands, type LuaCommand } from './lua-commands.js';
import {
  type RedisClient,
  RedisStoreBase,
  type RedisStoreOptions,
  replyArray,
  replyInt,
} from './redis-store.js';

/**
 * lua/lib/token-bucket.lua is `takeTokens` (@switchboard/protocol's token-bucket.ts) in Lua,
 * so that read-refill-take-write is one atomic step for every instance sharing the bucket. Time
 * is Redis time with microseconds (see lua-commands.ts for why the server's clock), kept
 * fractional so high rates refill smoothly. The history store takes from the same buckets in its
 * rate-limited append (history-store-redis.ts).
 */
const SCRIPTS = {
  consume: { file: 'rate-limit-consume', numberOfKeys: 1, libraries: ['token-bucket'] },
} as const;

/** Layout: `<prefix>:rl:<key>` HASH tokens, at (Redis ms), PEXPIRE when it would be full again. */
export function rateLimitKey(prefix: string, key: string): string {
  return `${prefix}:rl:${key}`;
}

/**
 * Refuses what the Lua must never see: rate 0 would divide by zero there, and NaN would corrupt
 * the stored bucket.
 */
export function assertRateLimitRule(rule: RateLimitRule, cost: number): void {
  if (!(Number.isFinite(rule.rate) && rule.rate > 0)) throw new RangeError('rate must be a number > 0');
  if (!(Number.isFinite(rule.burst) && rule.burst >= 0)) throw new RangeError('burst must be a number >= 0');
  if (!(Number.isFinite(cost) && cost >= 0)) throw new RangeError('cost must be a number >= 0');
}

export interface RedisRateLimitOptions extends RedisStoreOptions {}

export class RedisRateLimitStore extends RedisStoreBase implements RateLimitStore {
  readonly #lua: Record<keyof typeof SCRIPTS, LuaCommand>;

  constructor(redis: RedisClient, options: RedisRateLimitOptions = {}) {
    super(redis, 'rate limit store', options);
    this.#lua = defineLuaCommands(redis, SCRIPTS);
  }

  async consume(key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitResult> {
    this.assertOpen();
    assertRateLimitRule(rule, cost);
    const reply = replyArray(
      await this.#lua.consume([rateLimitKey(this.prefix, key)], [rule.rate, rule.burst, cost]),
      'rate limit',
    );
    return {
      allowed: replyInt(reply[0], 'rate limit') === 1,
      retryAfterMs: replyInt(reply[1], 'rate limit'),
    };
  }
}

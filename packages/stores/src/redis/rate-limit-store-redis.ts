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
 * fractional so high rates refill smoothly.
 */
const SCRIPTS = {
  consume: { file: 'rate-limit-consume', numberOfKeys: 1, libraries: ['token-bucket'] },
} as const;

export interface RedisRateLimitOptions extends RedisStoreOptions {}

export class RedisRateLimitStore extends RedisStoreBase implements RateLimitStore {
  readonly #lua: Record<keyof typeof SCRIPTS, LuaCommand>;

  constructor(redis: RedisClient, options: RedisRateLimitOptions = {}) {
    super(redis, 'rate limit store', options);
    this.#lua = defineLuaCommands(redis, SCRIPTS);
  }

  async consume(key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitResult> {
    this.assertOpen();
    // Refused here rather than left to Lua, where rate 0 would divide by zero and NaN would
    // corrupt the stored bucket.
    if (!(Number.isFinite(rule.rate) && rule.rate > 0)) throw new RangeError('rate must be a number > 0');
    if (!(Number.isFinite(rule.burst) && rule.burst >= 0))
      throw new RangeError('burst must be a number >= 0');
    if (!(Number.isFinite(cost) && cost >= 0)) throw new RangeError('cost must be a number >= 0');
    const reply = replyArray(
      await this.#lua.consume([`${this.prefix}:rl:${key}`], [rule.rate, rule.burst, cost]),
      'rate limit',
    );
    return {
      allowed: replyInt(reply[0], 'rate limit') === 1,
      retryAfterMs: replyInt(reply[1], 'rate limit'),
    };
  }
}

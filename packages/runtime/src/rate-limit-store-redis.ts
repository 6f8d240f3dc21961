import type { Redis } from 'ioredis';
import {
  RedisScript,
  RedisStoreBase,
  type RedisStoreOptions,
  replyArray,
  replyInt,
} from './history-store-redis.js';
import type { RateLimitResult, RateLimitRule, RateLimitStore } from './rate-limit-store.js';

/**
 * `takeTokens` (@switchboard/protocol) in Lua, so that read-refill-take-write is one atomic step for
 * every instance sharing the bucket. Time is Redis time with microseconds (see LUA_NOW_MS for
 * why the server's clock), kept fractional so high rates refill smoothly.
 */
const CONSUME = new RedisScript(`
-- KEYS: bucket; ARGV: rate (tokens/s), burst, cost
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then
  tokens, at = burst, now
end
local elapsed = math.max(0, now - at)
tokens = math.min(burst, tokens + elapsed * rate / 1000)
local allowed, retry = 0, 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
-- Once refilled, a bucket is the same as a new one: Redis may forget it then.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, retry}
`);

export interface RedisRateLimitOptions extends RedisStoreOptions {}

export class RedisRateLimitStore extends RedisStoreBase implements RateLimitStore {
  constructor(redis: Redis, options: RedisRateLimitOptions = {}) {
    super(redis, 'rate limit store', options);
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
      await CONSUME.run(this.redis, [`${this.prefix}:rl:${key}`], [rule.rate, rule.burst, cost]),
      'rate limit',
    );
    return {
      allowed: replyInt(reply[0], 'rate limit') === 1,
      retryAfterMs: replyInt(reply[1], 'rate limit'),
    };
  }
}

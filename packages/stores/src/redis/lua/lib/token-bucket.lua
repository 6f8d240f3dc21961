-- take_tokens: `takeTokens` (@switchboard/protocol's token-bucket.ts) on a Redis hash, so that
-- read-refill-take-write is one atomic step for every instance sharing the bucket.
-- bucket: the hash's key; rate: tokens/s; burst: bucket size; cost: tokens taken; t: a TIME reply.
-- Returns allowed (1/0) and the milliseconds until the caller may try again (0 when allowed).
-- Time is kept fractional (microseconds) so high rates refill smoothly.
local function take_tokens(bucket, rate, burst, cost, t)
  local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  local state = redis.call('HMGET', bucket, 'tokens', 'at')
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
  redis.call('HSET', bucket, 'tokens', tokens, 'at', now)
  -- Once refilled, a bucket is the same as a new one: Redis may forget it then.
  redis.call('PEXPIRE', bucket, math.ceil((burst - tokens) * 1000 / rate) + 1000)
  return allowed, retry
end

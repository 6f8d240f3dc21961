-- KEYS: user key; ARGV: beforeMs, ttlMs
local before = ARGV[1]
local prev = redis.call('GET', KEYS[1])
if prev and tonumber(prev) and tonumber(prev) > tonumber(before) then before = prev end
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], before, 'PX', ttl)
return 1

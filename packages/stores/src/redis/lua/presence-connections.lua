-- KEYS: exp. Live connections: entries whose expiry (Redis time, as presence-add sets it) is ahead.

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')

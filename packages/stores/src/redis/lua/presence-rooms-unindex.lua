-- KEYS: lex, exp; ARGV: batch size. Drops rooms whose latest member expiry has passed.

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, ARGV[1])
for _, room in ipairs(due) do
  redis.call('ZREM', KEYS[1], room)
  redis.call('ZREM', KEYS[2], room)
end
return #due

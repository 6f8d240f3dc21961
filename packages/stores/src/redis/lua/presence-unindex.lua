-- KEYS: index; ARGV: items. Drops only items still due (see the layout comment).

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

for _, item in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], item)
  if score and tonumber(score) <= now then redis.call('ZREM', KEYS[1], item) end
end
return 0

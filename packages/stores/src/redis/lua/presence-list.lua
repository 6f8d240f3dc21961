-- KEYS: exp, entries

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

return live_entries(KEYS[1], KEYS[2], now)

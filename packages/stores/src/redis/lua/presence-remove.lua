-- KEYS: exp, entries; ARGV: conn

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local entry = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if score and tonumber(score) > now and entry then return entry end
return false

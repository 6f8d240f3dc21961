-- KEYS: exp, entries; ARGV: conn, entry JSON, ttlMs, key TTL ms

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
local isNew = (not old) or tonumber(old) <= now
local expires = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
-- A safety net only: if sweeps stop, a room's keys still go away eventually.
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {isNew and 1 or 0, expires}

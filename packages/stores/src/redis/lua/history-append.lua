-- KEYS: meta, stream, idempotency key
-- ARGV: random part of a new epoch, payload, size, ttlMs, metaTtlMs, idempotencyTtlMs, has key (1/0),
--       generation floor
-- Returns {offset, epoch, duplicate (1/0)}: the epoch is the one this append went to.

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

local meta, stream, idem = KEYS[1], KEYS[2], KEYS[3]
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  -- A new epoch: "<generation>-<random>". The generation only grows: Redis TIME in microseconds,
  -- but never at or below the highest generation the caller has seen (a clock stepped back).
  local generation = tonumber(__t[1]) * 1000000 + tonumber(__t[2])
  local floor = tonumber(ARGV[8]) or 0
  if generation <= floor then generation = floor + 1 end
  epoch = string.format('%.0f', generation) .. '-' .. ARGV[1]
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
end
if ARGV[7] == '1' then
  local seen = redis.call('GET', idem)
  if seen then
    local sep = string.find(seen, ':', 1, true)
    if sep and string.sub(seen, 1, sep - 1) == epoch then
      return {tonumber(string.sub(seen, sep + 1)), epoch, 1}
    end
  end
end
local offset = redis.call('HINCRBY', meta, 'offset', 1)
if tonumber(ARGV[3]) > 0 then
  redis.call('XADD', stream, 'MAXLEN', ARGV[3], offset .. '-0', 'p', ARGV[2], 't', now)
  redis.call('PEXPIRE', stream, ARGV[4])
end
redis.call('PEXPIRE', meta, ARGV[5])
-- A plain SET, not SET NX: a key left from an older epoch must be replaced.
if ARGV[7] == '1' then
  redis.call('SET', idem, epoch .. ':' .. offset, 'PX', ARGV[6])
end
return {offset, epoch, 0}

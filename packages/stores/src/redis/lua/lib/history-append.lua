-- history_append: assigns the room's next offset and appends (see history-store-redis.ts for the
-- key layout). meta, stream, idem: the room's keys; t: a TIME reply; argv: a table holding
-- random part of a new epoch, payload, size, ttlMs, metaTtlMs, idempotencyTtlMs, has key (1/0),
-- generation floor (in that order, from index 1).
-- Returns {offset, epoch, duplicate (1/0)}: the epoch is the one this append went to.
-- Calls history_epoch (lib/history-epoch.lua, which must come before this file).
local function history_append(meta, stream, idem, argv, t)
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local epoch = history_epoch(meta, stream, t, argv[1], argv[8])
  if argv[7] == '1' then
    local seen = redis.call('GET', idem)
    if seen then
      local sep = string.find(seen, ':', 1, true)
      if sep and string.sub(seen, 1, sep - 1) == epoch then
        return {tonumber(string.sub(seen, sep + 1)), epoch, 1}
      end
    end
  end
  local offset = redis.call('HINCRBY', meta, 'offset', 1)
  if tonumber(argv[3]) > 0 then
    redis.call('XADD', stream, 'MAXLEN', argv[3], offset .. '-0', 'p', argv[2], 't', now)
    redis.call('PEXPIRE', stream, argv[4])
  end
  redis.call('PEXPIRE', meta, argv[5])
  -- A plain SET, not SET NX: a key left from an older epoch must be replaced.
  if argv[7] == '1' then
    redis.call('SET', idem, epoch .. ':' .. offset, 'PX', argv[6])
  end
  return {offset, epoch, 0}
end

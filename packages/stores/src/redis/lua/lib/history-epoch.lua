-- history_epoch: the room's current epoch, started when there is none (a new room, or its meta
-- lost or expired): "<generation>-<random>", its stream emptied and its offset 0. The generation
-- only grows: Redis TIME in microseconds, but never at or below `floor`, the highest generation
-- the caller has seen (a clock stepped back). meta, stream: the room's keys; t: a TIME reply;
-- random: the new epoch's random part. Returns the epoch and whether it was started now.
local function history_epoch(meta, stream, t, random, floor)
  local epoch = redis.call('HGET', meta, 'epoch')
  if epoch then return epoch, false end
  local generation = tonumber(t[1]) * 1000000 + tonumber(t[2])
  floor = tonumber(floor) or 0
  if generation <= floor then generation = floor + 1 end
  epoch = string.format('%.0f', generation) .. '-' .. random
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
  return epoch, true
end

-- live_entries: the entry JSON of every member of a room whose expiry is after `now` (Redis ms).
-- exp, entries: the room's keys (see presence-store-redis.ts). HMGET in chunks of 500, as Lua's
-- unpack() has a stack limit.
local function live_entries(exp, entries, now)
  local conns = redis.call('ZRANGEBYSCORE', exp, '(' .. now, '+inf')
  local out = {}
  for i = 1, #conns, 500 do
    local chunk = redis.call('HMGET', entries, unpack(conns, i, math.min(i + 499, #conns)))
    for _, e in ipairs(chunk) do
      if e then out[#out + 1] = e end
    end
  end
  return out
end

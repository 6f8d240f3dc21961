-- KEYS: exp, entries

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)


local conns = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
local entries = {}
for i = 1, #conns, 500 do
  local chunk = redis.call('HMGET', KEYS[2], unpack(conns, i, math.min(i + 499, #conns)))
  for _, e in ipairs(chunk) do
    if e then entries[#entries + 1] = e end
  end
end

return entries

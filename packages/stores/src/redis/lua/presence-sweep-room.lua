-- KEYS: exp, entries; ARGV: conns. Returns conn, entry JSON pairs of what it removed.

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

local out = {}
for _, conn in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], conn)
  if score and tonumber(score) <= now then
    local entry = redis.call('HGET', KEYS[2], conn)
    redis.call('ZREM', KEYS[1], conn)
    redis.call('HDEL', KEYS[2], conn)
    if entry then
      out[#out + 1] = conn
      out[#out + 1] = entry
    end
  end
end
return out

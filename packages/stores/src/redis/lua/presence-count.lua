-- KEYS: exp, entries. Counted here so a big room is not shipped to the client for two numbers.

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

local entries = live_entries(KEYS[1], KEYS[2], now)

local users, nusers, nconns = {}, 0, 0
for _, e in ipairs(entries) do
  local ok, v = pcall(cjson.decode, e)
  if ok and type(v) == 'table' and type(v.user) == 'string' and type(v.conn) == 'string' then
    nconns = nconns + 1
    if not users[v.user] then
      users[v.user] = true
      nusers = nusers + 1
    end
  end
end
return {nconns, nusers}

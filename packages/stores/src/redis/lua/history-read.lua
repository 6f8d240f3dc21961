-- KEYS: meta, stream
-- ARGV: random part of a new epoch, metaTtlMs, since, limit, reverse (1/0), ttlMs, generation floor
-- Uses lib/history-epoch.lua (prepended when the command is defined, see lua-commands.ts).

if redis.replicate_commands then redis.replicate_commands() end
local __t = redis.call('TIME')
local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)

local meta, stream = KEYS[1], KEYS[2]
-- Reading creates the epoch too: the caller must see the same epoch its next append gets.
local epoch, started = history_epoch(meta, stream, __t, ARGV[1], ARGV[7])
if started then
  redis.call('PEXPIRE', meta, ARGV[2])
  return {0, epoch, {}}
end
local offset = tonumber(redis.call('HGET', meta, 'offset')) or 0
local limit = tonumber(ARGV[4])
local oldest = now - tonumber(ARGV[6])
local out = {}
local n = 0
if limit > 0 then
  if ARGV[5] == '1' then
    -- Newest first: expired entries are the oldest, so they can only be at the end.
    local rows = redis.call('XREVRANGE', stream, '+', '(' .. ARGV[3] .. '-0', 'COUNT', limit)
    for _, row in ipairs(rows) do
      if tonumber(row[2][4]) > oldest then
        out[#out + 1] = row[1]
        out[#out + 1] = row[2][2]
      end
    end
  else
    -- Oldest first: skip expired entries (a prefix) and keep going until `limit` live ones.
    local start = '(' .. ARGV[3] .. '-0'
    while n < limit do
      local rows = redis.call('XRANGE', stream, start, '+', 'COUNT', limit - n)
      if #rows == 0 then break end
      for _, row in ipairs(rows) do
        if tonumber(row[2][4]) > oldest then
          out[#out + 1] = row[1]
          out[#out + 1] = row[2][2]
          n = n + 1
        end
        start = '(' .. row[1]
      end
    end
  end
end
return {offset, epoch, out}

-- KEYS: bucket; ARGV: rate (tokens/s), burst, cost
-- Returns {allowed (1/0), retry after (ms)}.
-- Uses lib/token-bucket.lua (prepended when the command is defined, see lua-commands.ts).
if redis.replicate_commands then redis.replicate_commands() end
local allowed, retry = take_tokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  redis.call('TIME'))
return {allowed, retry}

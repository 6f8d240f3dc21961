-- A publish in one round trip: takes from the sender's token bucket, and appends only if that
-- was allowed (a duplicate idempotency key still takes its token, as two calls would).
-- KEYS: meta, stream, idempotency key (as history-append.lua), bucket
-- ARGV: the 8 arguments of history-append.lua, then rate (tokens/s), burst, cost
-- Returns {1, 0, offset, epoch, duplicate (1/0)} when appended, {0, retry after (ms)} when limited.
-- The bucket's key is in another Cluster slot than the room's: a Cluster runs the two scripts
-- one after the other instead (history-store-redis.ts).
-- Uses lib/token-bucket.lua, lib/history-epoch.lua and lib/history-append.lua (prepended, see lua-commands.ts).

if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local allowed, retry = take_tokens(KEYS[4], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), t)
if allowed == 0 then return {0, retry} end
local appended = history_append(KEYS[1], KEYS[2], KEYS[3], ARGV, t)
return {1, 0, appended[1], appended[2], appended[3]}

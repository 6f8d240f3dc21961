-- KEYS: meta, stream, idempotency key
-- ARGV: random part of a new epoch, payload, size, ttlMs, metaTtlMs, idempotencyTtlMs, has key (1/0),
--       generation floor
-- Returns {offset, epoch, duplicate (1/0)}: the epoch is the one this append went to.
-- Uses lib/history-epoch.lua and lib/history-append.lua (prepended when the command is defined, see lua-commands.ts).

if redis.replicate_commands then redis.replicate_commands() end
return history_append(KEYS[1], KEYS[2], KEYS[3], ARGV, redis.call('TIME'))

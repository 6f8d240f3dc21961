/** `@switchboard/stores/redis`: the Redis stores. A separate entry so memory-only setups never load ioredis. */
export type { RedisHistoryOptions } from './history-store-redis.js';
export { RedisHistoryStore, ReplicationError } from './history-store-redis.js';
export type { RedisPresenceOptions } from './presence-store-redis.js';
export { RedisPresenceStore } from './presence-store-redis.js';
export type { RedisRateLimitOptions } from './rate-limit-store-redis.js';
export { RedisRateLimitStore } from './rate-limit-store-redis.js';
export type { RedisClient, RedisStoreOptions } from './redis-store.js';
export type { RedisRevocationOptions } from './revocation-store-redis.js';
export { RedisRevocationStore } from './revocation-store-redis.js';

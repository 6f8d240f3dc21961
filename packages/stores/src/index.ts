/**
 * `@switchboard/stores`: the shared-state interfaces (history, presence, rate limits,
 * revocations) and their in-memory implementations. The Redis ones are `@switchboard/stores/redis`,
 * the contract suites `@switchboard/stores/contract`.
 */
export type {
  AppendOptions,
  AppendRateLimit,
  AppendResult,
  HistoryEntry,
  HistoryLimits,
  HistoryStore,
  RateLimitedAppend,
  ReadOptions,
  ReadResult,
  StreamPosition,
} from './history-store.js';
export type { MemoryHistoryOptions } from './history-store-memory.js';
export { MemoryHistoryStore } from './history-store-memory.js';
export type {
  PresenceCount,
  PresenceEntry,
  PresenceRoom,
  PresenceRoomsPage,
  PresenceStore,
} from './presence-store.js';
export { MemoryPresenceStore } from './presence-store-memory.js';
export type { RateLimitResult, RateLimitRule, RateLimitStore } from './rate-limit-store.js';
export { MemoryRateLimitStore } from './rate-limit-store-memory.js';
export type { RevocationStore, TokenRef } from './revocation-store.js';
export { MemoryRevocationStore } from './revocation-store-memory.js';

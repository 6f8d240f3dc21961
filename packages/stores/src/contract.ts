/** `@switchboard/stores/contract`: one contract suite per store interface; every implementation runs it. */
export { CONTRACT_HISTORY_LIMITS, historyStoreContract } from './history-store.contract.js';
export { CONTRACT_PRESENCE_TTL_MS, presenceStoreContract } from './presence-store.contract.js';
export { rateLimitStoreContract } from './rate-limit-store.contract.js';
export { revocationStoreContract } from './revocation-store.contract.js';

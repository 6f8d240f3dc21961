/** Contract suites: every implementation of an interface runs the same one. */
export { busContract } from './bus.contract.js';
export { CONTRACT_HISTORY_LIMITS, historyStoreContract } from './history-store.contract.js';
export { CONTRACT_PRESENCE_TTL_MS, presenceStoreContract } from './presence-store.contract.js';
export { rateLimitStoreContract } from './rate-limit-store.contract.js';
export { revocationStoreContract } from './revocation-store.contract.js';

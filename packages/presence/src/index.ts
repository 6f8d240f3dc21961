export type { PresenceListRequest } from './client.js';
export { PresenceClient } from './client.js';
export { PresenceRpc } from './rpc.js';
export type { PresenceMetrics, PresenceOptions } from './service.js';
export { startPresenceService } from './service.js';

export { RouterClient } from './client.js';
export { messageBody, messageFrame } from './messages.js';
export { RouterRpc } from './rpc.js';
export type { RouterMetrics, RouterOptions } from './service.js';
export { startRouterService } from './service.js';
export type {
  HistoryReply,
  HistoryRequest,
  JoinReply,
  JoinRequest,
  Publisher,
  PublishReply,
  PublishRequest,
} from './types.js';

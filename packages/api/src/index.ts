export { ApiKeys } from './auth.js';
export type { ConsoleOptions, OpsConsole } from './console/server.js';
export { startConsole } from './console/server.js';
export type { CallOptions } from './core.js';
export { ApiCore, DEFAULT_DISCONNECT_REASON } from './core.js';
export type { ApiKeySettings } from './dev-key.js';
export { DEV_API_KEY, effectiveApiKeys } from './dev-key.js';
export {
  ERROR_CODE_METADATA,
  ERROR_NAME_METADATA,
  errorCodeForStatus,
  fromServiceError,
  grpcStatusFor,
  RETRY_AFTER_METADATA,
  SwitchboardApiError,
  toApiError,
  toServiceError,
  validate,
} from './errors.js';
export { API_HEARTBEAT_MS, API_VERSION, NODE_SILENT_MS, NodeTable } from './nodes.js';
export type { LoadedProtos } from './proto.js';
export { API_PROTO, HEALTH_PROTO, LOADER_OPTIONS, loadProtos, PROTO_DIR, SERVICE_NAME } from './proto.js';
export type { SwitchboardHandlers } from './proto-messages.js';
export * from './schemas.js';
export type { ApiConfigSettings, ApiMetrics, ApiServer, ApiServerOptions, ApiSettings } from './server.js';
export { apiSettings, startApiServer } from './server.js';
export type { Wire } from './wire.js';
export { fromWire, parseDataJson, replyFromWire, requestToWire, toWire } from './wire.js';

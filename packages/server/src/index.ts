export type { Backends } from './backends.js';
export { openBackends } from './backends.js';
export type { HealthServer, ReadinessReport } from './health-server.js';
export { startHealthServer } from './health-server.js';
export type { Listening } from './listen.js';
export { listen } from './listen.js';
export { ServerMetrics } from './metrics.js';
export type { RedisTopology, RedisTopologySettings } from './redis-client.js';
export { redisClientFactory, redisTopology } from './redis-client.js';
export type { RunningService, ServiceContext, ServiceRole } from './run-service.js';
export { runService } from './run-service.js';
export type { Standalone } from './standalone.js';
export {
  edgeOptions,
  startApiNode,
  startAuthNode,
  startEdgeNode,
  startPresenceNode,
  startRouterNode,
  startServices,
  startStandalone,
} from './standalone.js';
export { startTelemetry } from './telemetry.js';

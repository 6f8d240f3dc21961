export type { ServiceContext, ServiceProcess, ServiceRole } from './run-service.js';
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

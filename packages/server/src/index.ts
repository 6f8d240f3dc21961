export type { ServiceContext, ServiceProcess } from './run-service.js';
export { runService } from './run-service.js';
export type { Standalone } from './standalone.js';
export { edgeOptions, startApiNode, startEdgeNode, startServices, startStandalone } from './standalone.js';
export { startTelemetry } from './telemetry.js';

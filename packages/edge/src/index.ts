export { Connection, EdgeSocket } from './connection.js';
export type { EdgeDeps, EdgeOptions } from './edge.js';
export { Edge } from './edge.js';
export { createEdgeHttpServer } from './http.js';
export { EdgeMetrics } from './metrics.js';

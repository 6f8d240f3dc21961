export { Connection, EdgeSocket } from './connection.js';
export type { EdgeDeps, EdgeOptions } from './edge.js';
export { Edge } from './edge.js';
export type { HttpServers } from './http.js';
export { listenEdge } from './http.js';
export { EdgeMetrics } from './metrics.js';

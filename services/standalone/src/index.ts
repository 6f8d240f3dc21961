export type { Standalone } from './standalone.js';
export { startStandalone } from './standalone.js';

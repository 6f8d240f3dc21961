export type { StartOptions, TestSwitchboard } from './switchboard.js';
export { startSwitchboard } from './switchboard.js';
export type { TestSocket } from './socket.js';
export { openSocket } from './socket.js';
export type { NatsServerHandle, RedisServerHandle } from './servers.js';
export { startNatsServer, startRedisServer } from './servers.js';

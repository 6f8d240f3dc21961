export type {
  Cluster,
  ClusterBusOptions,
  ClusterOptions,
  ClusterProcess,
  ClusterRole,
  ClusterStatusRow,
  ExitInfo,
  HaproxyHandle,
  HaproxyOptions,
  HaproxyServerState,
  Readiness,
} from './cluster.js';
export { CLUSTER_SECRET, startCluster } from './cluster.js';
export type { NatsClusterHandle, NatsClusterOptions } from './nats-cluster.js';
export { natsClientConnections, startNatsCluster } from './nats-cluster.js';
export type { TestPki } from './pki.js';
export { createTestPki } from './pki.js';
export type { TsxProcess } from './process.js';
export { canBind, freePort, spawnTsx } from './process.js';
export type { RedisClusterHandle, RedisNodeProcess, RedisSentinelHandle } from './redis-topologies.js';
export { startRedisCluster, startRedisSentinel } from './redis-topologies.js';
export { rejectionOf } from './rejection.js';
export type {
  NatsServerHandle,
  NatsServerOptions,
  RedisServerHandle,
  RedisServerOptions,
  ServerHandle,
  ServerTls,
  StartServerOptions,
} from './servers.js';
export { startNatsServer, startRedisServer } from './servers.js';
export type { OpenOptions, ReplyTo, TestSocket } from './socket.js';
export { connectSocket, openSocket } from './socket.js';
export type { BackendKind, StartOptions, TestSwitchboard } from './switchboard.js';
export { startSwitchboard, TEST_API_KEY, TEST_SECRET } from './switchboard.js';

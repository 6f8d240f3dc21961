import type { RedisClient } from '@switchboard/stores/redis';
import type { ClusterOptions, RedisOptions } from 'ioredis';

/**
 * Which Redis the stores talk to, and how it is reached: one server (`SB_REDIS_URL`), a Redis
 * Cluster (`SB_REDIS_CLUSTER_NODES`, seed nodes: the client learns the rest and follows slot
 * moves and failovers) or the master a set of Sentinels names (`SB_REDIS_SENTINELS` +
 * `SB_REDIS_SENTINEL_MASTER`: after a failover the client asks them again). Credentials, TLS
 * and the database always come from `SB_REDIS_URL`, as with a single server.
 */
export interface RedisTopologySettings {
  redisUrl: string;
  redisClusterNodes: readonly string[];
  redisSentinels: readonly string[];
  redisSentinelMaster: string;
}

export type RedisTopology = 'standalone' | 'cluster' | 'sentinel';

export function redisTopology(settings: RedisTopologySettings): RedisTopology {
  if (settings.redisClusterNodes.length > 0) return 'cluster';
  if (settings.redisSentinels.length > 0) return 'sentinel';
  return 'standalone';
}

/**
 * Loads ioredis (only processes with SB_STORE=redis do) and returns a function that creates a
 * client for `settings`' topology. Its `options` are the per-connection options the caller
 * uses for a single server (retries, offline queue, connection name, TLS…): with a Cluster they
 * apply to every node's connection, with Sentinel to the master's.
 */
export async function redisClientFactory(
  settings: RedisTopologySettings,
): Promise<(options: RedisOptions) => RedisClient> {
  const ioredis = await import('ioredis');
  return (options) => createRedisClient(ioredis, settings, options);
}

function createRedisClient(
  { Redis, Cluster }: typeof import('ioredis'),
  settings: RedisTopologySettings,
  options: RedisOptions,
): RedisClient {
  const topology = redisTopology(settings);
  if (topology === 'standalone') return new Redis(settings.redisUrl, options);
  const fromUrl = urlOptions(settings.redisUrl);
  if (topology === 'sentinel') {
    return new Redis({
      ...fromUrl,
      ...options,
      sentinels: settings.redisSentinels.map(hostPort),
      name: settings.redisSentinelMaster,
      role: 'master',
      // Not `failoverDetector`: in ioredis 5 its disconnect can land while the client asks the
      // Sentinels for the master, which ends the client for good ("Connection is closed.", seen
      // in e2e/faults/redis-failover.test.ts). A dead master breaks the connection anyway, and
      // the client then asks the Sentinels again.
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
  }
  const { retryStrategy, enableOfflineQueue, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...fromUrl, ...perNode },
    // Writes go to masters only: a replica can lag, and the stores read what they just wrote.
    scaleReads: 'master',
    enableOfflineQueue: enableOfflineQueue ?? true,
    clusterRetryStrategy: (attempt) =>
      retryStrategy ? retryStrategy(attempt) : Math.min(attempt * 200, 2_000),
    // While a failover promotes a replica, MOVED/CLUSTERDOWN replies are retried this long.
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: 2_000,
  };
  return new Cluster(settings.redisClusterNodes.map(hostPort), clusterOptions);
}

function hostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** User, password, TLS and database of a `redis://` / `rediss://` URL. */
function urlOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const out: RedisOptions = {};
  if (parsed.username) out.username = decodeURIComponent(parsed.username);
  if (parsed.password) out.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') out.tls = {};
  const db = Number.parseInt(parsed.pathname.replace(/^\//, ''), 10);
  if (Number.isSafeInteger(db) && db > 0) out.db = db;
  return out;
}

import { describe, expect, it } from 'vitest';
import { redisTopology } from '../redis-client.js';
import { problemsOf } from '../test-support/config-problems.js';
import { loadConfig } from './loader.js';

describe('Redis topology settings', () => {
  it('is a single server by default', () => {
    const config = loadConfig({});
    expect(config.redisClusterNodes).toEqual([]);
    expect(config.redisSentinels).toEqual([]);
    expect(config.redisWaitReplicas).toBe(0);
    expect(redisTopology(config)).toBe('standalone');
  });

  it('reads Cluster seed nodes and Sentinels as host:port lists', () => {
    const cluster = loadConfig({ SB_REDIS_CLUSTER_NODES: 'redis-0:6379, redis-1:6379' });
    expect(cluster.redisClusterNodes).toEqual(['redis-0:6379', 'redis-1:6379']);
    expect(redisTopology(cluster)).toBe('cluster');
    const sentinel = loadConfig({ SB_REDIS_SENTINELS: '10.0.0.1:26379', SB_REDIS_SENTINEL_MASTER: 'main' });
    expect(sentinel.redisSentinelMaster).toBe('main');
    expect(redisTopology(sentinel)).toBe('sentinel');
  });

  it('refuses malformed lists and both topologies at once', () => {
    expect(problemsOf(() => loadConfig({ SB_REDIS_CLUSTER_NODES: 'redis-0' }))[0]).toMatch(
      /^SB_REDIS_CLUSTER_NODES="redis-0" must be host:port pairs/,
    );
    expect(
      problemsOf(() => loadConfig({ SB_REDIS_CLUSTER_NODES: 'a:1', SB_REDIS_SENTINELS: 'b:2' })),
    ).toContain('SB_REDIS_CLUSTER_NODES and SB_REDIS_SENTINELS exclude each other: set one');
  });
});

import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The harness lives in @switchboard/testing, which depends on this package: import its source
// directly rather than make the dependency circular.
import {
  type RedisClusterHandle,
  type RedisSentinelHandle,
  startRedisCluster,
  startRedisSentinel,
} from '../../../testing/src/redis-topologies.js';
import {
  CONTRACT_HISTORY_LIMITS,
  historyStoreContract,
  presenceStoreContract,
  rateLimitStoreContract,
  revocationStoreContract,
} from '../contract.js';
import { RedisHistoryStore, ReplicationError } from './history-store-redis.js';
import { RedisPresenceStore } from './presence-store-redis.js';
import { RedisRateLimitStore } from './rate-limit-store-redis.js';
import type { RedisClient } from './redis-store.js';
import { RedisRevocationStore } from './revocation-store-redis.js';

/*
 * The same contracts as redis-stores.test.ts, against a real 3-master + 3-replica Redis
 * Cluster and a Sentinel setup (1 master, 1 replica, 3 Sentinels) on loopback. Every script
 * and multi-key command must stay inside one slot, or the Cluster refuses it (CROSSSLOT).
 */

let cluster: RedisClusterHandle;
let clusterClient: Cluster;
let sentinel: RedisSentinelHandle;
let sentinelClient: Redis;

beforeAll(async () => {
  [cluster, sentinel] = await Promise.all([startRedisCluster(), startRedisSentinel()]);
  clusterClient = new Cluster(
    cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
    { scaleReads: 'master' },
  );
  sentinelClient = new Redis({
    sentinels: sentinel.sentinels.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
    name: sentinel.masterName,
  });
  await Promise.all([clusterClient.ping(), sentinelClient.ping()]);
}, 90_000);

afterAll(async () => {
  clusterClient?.disconnect();
  sentinelClient?.disconnect();
  await Promise.all([cluster?.stop(), sentinel?.stop()]);
});

async function emptyCluster(): Promise<void> {
  // FLUSHALL reaches one node only: every master is flushed.
  await Promise.all(clusterClient.nodes('master').map((node) => node.flushall()));
}

async function emptySentinel(): Promise<void> {
  await sentinelClient.flushall();
}

for (const [name, client, empty] of [
  ['redis cluster', () => clusterClient, emptyCluster],
  ['redis sentinel', () => sentinelClient, emptySentinel],
] as const satisfies ReadonlyArray<readonly [string, () => RedisClient, () => Promise<void>]>) {
  historyStoreContract(
    name,
    async (limits) => {
      await empty();
      return new RedisHistoryStore(client(), limits);
    },
    empty,
  );

  presenceStoreContract(name, async (ttlMs) => {
    await empty();
    return new RedisPresenceStore(client(), { ttlMs });
  });

  rateLimitStoreContract(name, async () => {
    await empty();
    return new RedisRateLimitStore(client());
  });

  revocationStoreContract(name, async () => {
    await empty();
    return new RedisRevocationStore(client());
  });
}

describe('Redis Cluster and Sentinel beyond the contracts', () => {
  it('spreads rooms over every master, and lists rooms whatever slot they hash to', async () => {
    await emptyCluster();
    const presence = new RedisPresenceStore(clusterClient, { ttlMs: 60_000 });
    const rooms = Array.from({ length: 30 }, (_, i) => `room-${i}`);
    for (const room of rooms) await presence.add(room, { conn: `c-${room}`, user: 'u' });
    const perMaster = await Promise.all(clusterClient.nodes('master').map((node) => node.dbsize()));
    expect(perMaster.filter((keys) => keys > 0).length).toBe(3);
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await presence.rooms({ limit: 7, ...(cursor === undefined ? {} : { cursor }) });
      listed.push(...page.rooms.map((r) => r.room));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(listed.sort()).toEqual([...rooms].sort());
    await presence.close();
  });

  it('waits for a replica when asked (WAIT), on the Cluster and on Sentinel', async () => {
    for (const redis of [clusterClient, sentinelClient]) {
      const store = new RedisHistoryStore(redis, { ...CONTRACT_HISTORY_LIMITS, waitReplicas: 1 });
      const first = await store.append('waited', 'a');
      const again = await store.append('waited', 'b', { idempotencyKey: 'k' });
      expect(again.offset).toBe(first.offset + 1);
      // Each master has one replica: asking for two cannot be met, and says so.
      const greedy = new RedisHistoryStore(redis, {
        ...CONTRACT_HISTORY_LIMITS,
        waitReplicas: 2,
        waitTimeoutMs: 50,
      });
      await expect(greedy.append('waited', 'c')).rejects.toBeInstanceOf(ReplicationError);
      // The write itself was applied: it is there to read (and a retry with its key dedups).
      expect((await store.read('waited', { limit: 10 })).offset).toBe(first.offset + 2);
      await store.close();
      await greedy.close();
    }
  });

  it('waits for a replica after a rate-limited append, not after a refused one', async () => {
    for (const redis of [clusterClient, sentinelClient]) {
      const rateLimit = { key: `pub:waiting-${redis.isCluster ? 'c' : 's'}`, rate: 1, burst: 1 };
      const store = new RedisHistoryStore(redis, { ...CONTRACT_HISTORY_LIMITS, waitReplicas: 1 });
      const first = await store.append('waited-rl', 'a', { rateLimit });
      expect(first).toMatchObject({ duplicate: false });
      // Refused: nothing appended, so an unmeetable WAIT does not turn it into a ReplicationError.
      const greedy = new RedisHistoryStore(redis, {
        ...CONTRACT_HISTORY_LIMITS,
        waitReplicas: 2,
        waitTimeoutMs: 50,
      });
      expect(await greedy.append('waited-rl', 'b', { rateLimit })).toMatchObject({ limited: true });
      expect(await store.read('waited-rl', { limit: 10 })).toMatchObject({
        entries: [{ payload: 'a' }],
      });
      await store.close();
      await greedy.close();
    }
  });

  it('shares the buckets of RateLimitStore.consume, on the Cluster and on Sentinel', async () => {
    for (const redis of [clusterClient, sentinelClient]) {
      const key = `pub:shared-${redis.isCluster ? 'c' : 's'}`;
      const rule = { rate: 1, burst: 1 };
      const buckets = new RedisRateLimitStore(redis);
      const history = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
      expect((await buckets.consume(key, rule)).allowed).toBe(true);
      expect(await history.append('shared', 'x', { rateLimit: { key, ...rule } })).toMatchObject({
        limited: true,
      });
      await buckets.close();
      await history.close();
    }
  });
});

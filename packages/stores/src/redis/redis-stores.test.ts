import { ClosedError } from '@switchboard/bus';
import { epochGeneration } from '@switchboard/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// The harness lives in @switchboard/testing, which depends on this package: import its source
// directly rather than make the dependency circular.
import { type RedisServerHandle, startRedisServer } from '../../../testing/src/servers.js';
import {
  CONTRACT_HISTORY_LIMITS,
  historyStoreContract,
  presenceStoreContract,
  rateLimitStoreContract,
  revocationStoreContract,
} from '../contract.js';
import { RedisHistoryStore } from './history-store-redis.js';
import { RedisPresenceStore } from './presence-store-redis.js';
import { RedisRateLimitStore } from './rate-limit-store-redis.js';
import { RedisRevocationStore } from './revocation-store-redis.js';

// One redis-server for the contracts; the restart test starts its own, since it kills it.
let redisServer: RedisServerHandle;
let redis: Redis;

beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url);
});

afterAll(async () => {
  redis?.disconnect();
  await redisServer?.stop();
});

/** Every contract test starts on an empty Redis. */
async function emptyRedis(): Promise<void> {
  // FLUSHALL on our own server; on a shared one (REDIS_URL) only this client's database.
  if (redisServer.owned) await redis.flushall();
  else await redis.flushdb();
}

historyStoreContract(
  'redis',
  async (limits) => {
    await emptyRedis();
    return new RedisHistoryStore(redis, limits);
  },
  emptyRedis,
);

presenceStoreContract('redis', async (ttlMs) => {
  await emptyRedis();
  return new RedisPresenceStore(redis, { ttlMs });
});

rateLimitStoreContract('redis', async () => {
  await emptyRedis();
  return new RedisRateLimitStore(redis);
});

revocationStoreContract('redis', async () => {
  await emptyRedis();
  return new RedisRevocationStore(redis);
});

describe('Redis stores beyond the contracts', () => {
  beforeEach(emptyRedis);

  it('surfaces a Lua/Redis error as a rejected promise, and other rooms keep working', async () => {
    const store = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
    await redis.set('sb:h:{broken}:meta', 'not a hash');
    await expect(store.append('broken', 'x')).rejects.toThrow(/WRONGTYPE/);
    await expect(store.read('broken', { limit: 1 })).rejects.toThrow(/WRONGTYPE/);
    expect((await store.append('fine', 'x')).offset).toBe(1);
    await store.close();
  });

  it('makes a new epoch above the highest generation it has seen, whatever the Redis clock says', async () => {
    const store = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
    // An epoch from a clock far ahead (e.g. before Redis failed over to a host whose clock lags).
    await redis.hset('sb:h:{ahead}:meta', 'epoch', '8000000000000000-aheadaheadXY', 'offset', 3);
    expect((await store.read('ahead', { limit: 0 })).epoch).toBe('8000000000000000-aheadaheadXY');
    const fresh = await store.append('fresh', 'x');
    expect(fresh.epoch).toMatch(/^8000000000000001-[0-9A-Za-z]{12}$/);
    // Another client (a router started later) has seen nothing: Redis TIME in microseconds.
    const other = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
    const now = Date.now() * 1000;
    const generation = epochGeneration((await other.append('other', 'x')).epoch);
    expect(Math.abs(generation - now)).toBeLessThan(60_000_000);
    await store.close();
    await other.close();
  });

  it('starts a new epoch when only the meta was lost, dropping the old stream and idempotency keys', async () => {
    const store = new RedisHistoryStore(redis, {
      ...CONTRACT_HISTORY_LIMITS,
      ttlMs: 60_000,
      idempotencyTtlMs: 60_000,
    });
    const first = await store.append('half', 'old', { idempotencyKey: 'k' });
    await store.append('half', 'old2');
    await redis.del('sb:h:{half}:meta');
    const again = await store.append('half', 'new', { idempotencyKey: 'k' });
    expect(again.epoch).not.toBe(first.epoch);
    expect(again).toMatchObject({ offset: 1, duplicate: false });
    expect((await store.read('half', { limit: 10 })).entries).toEqual([{ offset: 1, payload: 'new' }]);
    await store.close();
  });

  it('reads odd limits and positions without failing', async () => {
    const store = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
    for (const p of ['1', '2', '3']) await store.append('odd', p);
    expect((await store.read('odd', { limit: 0 })).entries).toEqual([]);
    expect((await store.read('odd', { limit: -5, reverse: true })).entries).toEqual([]);
    expect((await store.read('odd', { limit: Number.POSITIVE_INFINITY })).entries).toHaveLength(3);
    expect((await store.read('odd', { limit: 2.7, since: Number.NaN })).entries.map((e) => e.offset)).toEqual(
      [1, 2],
    );
    expect((await store.read('odd', { limit: 10, since: 1e300 })).entries).toEqual([]);
    await store.close();
  });

  it('keeps rooms whose names contain braces apart', async () => {
    const store = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
    await store.append('a}:k:x', 'one');
    expect((await store.append('a', 'two', { idempotencyKey: 'x}:meta' })).offset).toBe(1);
    expect((await store.append('{a}', 'three')).offset).toBe(1);
    expect((await store.read('a}:k:x', { limit: 10 })).entries).toEqual([{ offset: 1, payload: 'one' }]);
    await store.close();
  });

  it('rejects calls after close with ClosedError, and never quits an injected client', async () => {
    const stores = [
      new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS),
      new RedisPresenceStore(redis, { ttlMs: 1000 }),
      new RedisRateLimitStore(redis),
      new RedisRevocationStore(redis),
    ];
    await Promise.all(stores.map((s) => s.close()));
    await expect(stores[0]!.close()).resolves.toBeUndefined();
    await expect((stores[0] as RedisHistoryStore).read('r', { limit: 1 })).rejects.toBeInstanceOf(
      ClosedError,
    );
    await expect((stores[1] as RedisPresenceStore).sweep()).rejects.toBeInstanceOf(ClosedError);
    await expect(
      (stores[2] as RedisRateLimitStore).consume('k', { rate: 1, burst: 1 }),
    ).rejects.toBeInstanceOf(ClosedError);
    await expect((stores[3] as RedisRevocationStore).isRevoked({ user: 'u' })).rejects.toBeInstanceOf(
      ClosedError,
    );
    expect(await redis.ping()).toBe('PONG');
  });

  it('quits the client on close when handed ownership', async () => {
    const own = new Redis(redisServer.url);
    const store = new RedisRateLimitStore(own, { ownsClient: true });
    expect((await store.consume('k', { rate: 1, burst: 1 })).allowed).toBe(true);
    await store.close();
    expect(own.status).toBe('end');
  });

  it('rejects rate limit rules the bucket cannot compute', async () => {
    const store = new RedisRateLimitStore(redis);
    await expect(store.consume('k', { rate: 0, burst: 1 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.consume('k', { rate: 1, burst: Number.NaN })).rejects.toBeInstanceOf(RangeError);
    await expect(store.consume('k', { rate: 1, burst: 1 }, -1)).rejects.toBeInstanceOf(RangeError);
    // A refused call did not create the bucket.
    expect((await store.consume('k', { rate: 1, burst: 1 })).allowed).toBe(true);
  });

  it("takes a rate-limited append from the rate limit store's bucket, in one round trip", async () => {
    const history = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
    const buckets = new RedisRateLimitStore(redis);
    const rateLimit = { key: 'pub:u', rate: 1, burst: 2 };
    await history.append('warm', 'x', { rateLimit: { ...rateLimit, key: 'pub:other' } }); // loads the script
    await redis.config('RESETSTAT');
    expect(await history.append('one-trip', 'x', { rateLimit })).toMatchObject({ offset: 1 });
    const stats = await redis.info('commandstats');
    expect(stats).toMatch(/cmdstat_evalsha:calls=1,/);
    expect(stats).not.toMatch(/cmdstat_eval:/);
    // The same bucket as RateLimitStore.consume's: one token is left, consume takes it.
    expect((await buckets.consume('pub:u', rateLimit)).allowed).toBe(true);
    expect(await history.append('one-trip', 'y', { rateLimit })).toMatchObject({ limited: true });
  });

  it('rejects rate limits the bucket cannot compute, before touching anything', async () => {
    const store = new RedisHistoryStore(redis, CONTRACT_HISTORY_LIMITS);
    for (const rule of [
      { rate: -1, burst: 1 },
      { rate: Number.NaN, burst: 1 },
      { rate: 1, burst: Number.NaN },
    ]) {
      await expect(
        store.append('bad-rule', 'x', { rateLimit: { key: 'k', ...rule } }),
      ).rejects.toBeInstanceOf(RangeError);
    }
    expect((await store.read('bad-rule', { limit: 0 })).offset).toBe(0);
    expect(await redis.exists('sb:rl:k')).toBe(0);
  });

  it('lets a bucket expire from Redis once it would be full again', async () => {
    const store = new RedisRateLimitStore(redis);
    await store.consume('exp', { rate: 1000, burst: 10 });
    const pttl = await redis.pttl('sb:rl:exp');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1001 + 1);
  });

  it('keeps the later cut-off and longer life of two user revocations', async () => {
    const store = new RedisRevocationStore(redis);
    await store.revokeUser('dora', 2000, 60_000);
    await store.revokeUser('dora', 1000, 1000);
    expect(await store.isRevoked({ user: 'dora', issuedAtMs: 1500 })).toBe(true);
    expect(await redis.pttl('sb:rv:u:dora')).toBeGreaterThan(50_000);
    await store.revokeToken('old', Date.now() - 1000);
    expect(await store.isRevoked({ user: 'x', jti: 'old' })).toBe(false);
  });

  it('cleans the sweep index of removed and refreshed connections', async () => {
    const store = new RedisPresenceStore(redis, { ttlMs: 300 });
    await store.add('s1', { conn: 'gone', user: 'u1' });
    await store.add('s1', { conn: 'late', user: 'u2' });
    expect(await store.remove('s1', 'gone')).toEqual({ conn: 'gone', user: 'u1' });
    await sleep(400);
    // Expired but not swept yet: re-adding counts as new, and the sweep must not remove it.
    expect(await store.add('s1', { conn: 'late', user: 'u2' })).toBe(true);
    expect(await store.sweep()).toEqual([]);
    expect(await redis.zcard('sb:p:due')).toBe(1);
    await sleep(400);
    expect(await store.sweep()).toEqual([{ room: 's1', entry: { conn: 'late', user: 'u2' } }]);
    expect(await redis.zcard('sb:p:due')).toBe(0);
    await store.close();
  });

  it('skips unreadable presence entries instead of failing', async () => {
    const store = new RedisPresenceStore(redis, { ttlMs: 10_000 });
    await store.add('bad', { conn: 'ok', user: 'u1' });
    await redis.zadd('sb:p:{bad}:exp', Date.now() + 10_000, 'junk');
    await redis.hset('sb:p:{bad}:e', 'junk', '{not json');
    expect(await store.list('bad')).toEqual([{ conn: 'ok', user: 'u1' }]);
    expect(await store.count('bad')).toEqual({ connections: 1, users: 1 });
    await store.close();
  });

  it('sweeps many expired connections across rooms in one call', async () => {
    const store = new RedisPresenceStore(redis, { ttlMs: 100 });
    await Promise.all(
      Array.from({ length: 1200 }, (_, i) =>
        store.add(`room-${i % 7}`, { conn: `c${i}`, user: `u${i % 5}` }),
      ),
    );
    await sleep(200);
    const swept = await store.sweep();
    expect(swept).toHaveLength(1200);
    expect(new Set(swept.map((s) => s.entry.conn)).size).toBe(1200);
    expect(await store.sweep()).toEqual([]);
    await store.close();
  });
});

describe('RedisHistoryStore when redis-server restarts empty', () => {
  it('changes the epoch, and the client carries on once Redis is back', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url);
    try {
      const store = new RedisHistoryStore(client, CONTRACT_HISTORY_LIMITS);
      const before = await store.append('r', 'x');
      await server.kill('SIGKILL');
      await server.restart();
      const after = await store.read('r', { limit: 10 });
      expect(after.epoch).not.toBe(before.epoch);
      expect(after.offset).toBe(0);
      expect((await store.append('r', 'y')).epoch).toBe(after.epoch);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

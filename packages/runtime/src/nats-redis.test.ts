import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// The harness lives in @switchboard/testing, which depends on this package: import its source
// directly rather than make the dependency circular.
import {
  type NatsServerHandle,
  type RedisServerHandle,
  startNatsServer,
  startRedisServer,
} from '../../testing/src/servers.js';
import type { BusMessage, BusStatus } from './bus.js';
import { NatsBus } from './bus-nats.js';
import { BadSubjectError, ClosedError, NoRespondersError, TimeoutError } from './errors.js';
import { RedisHistoryStore } from './history-store-redis.js';
import { decodeText, encodeText } from './json.js';
import { RedisPresenceStore } from './presence-store-redis.js';
import { RedisRateLimitStore } from './rate-limit-store-redis.js';
import { RedisRevocationStore } from './revocation-store-redis.js';
import {
  busContract,
  CONTRACT_HISTORY_LIMITS,
  historyStoreContract,
  presenceStoreContract,
  rateLimitStoreContract,
  revocationStoreContract,
} from './testing.js';

// One nats-server and one redis-server for the contracts; fault tests start their own, since
// they kill them.
let nats: NatsServerHandle;
let redisServer: RedisServerHandle;
let redis: Redis;

beforeAll(async () => {
  [nats, redisServer] = await Promise.all([startNatsServer(), startRedisServer()]);
  redis = new Redis(redisServer.url);
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([nats?.stop(), redisServer?.stop()]);
});

/** Every contract test starts on an empty Redis. */
async function emptyRedis(): Promise<void> {
  // FLUSHALL on our own server; on a shared one (REDIS_URL) only this client's database.
  if (redisServer.owned) await redis.flushall();
  else await redis.flushdb();
}

busContract('nats', () => NatsBus.connect({ servers: nats.url }));

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

describe('NatsBus', () => {
  const opened: NatsBus[] = [];
  const open = async (log?: pino.Logger) => {
    const bus = await NatsBus.connect({ servers: nats.url, log });
    opened.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
  });

  it('keeps a subscription alive when its handler throws, and logs the error', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const a = await open(log);
    const b = await open();
    const got: string[] = [];
    a.subscribe('n.throws', (msg) => {
      const text = decodeText(msg.data);
      got.push(text);
      if (text === '1') throw new Error('handler bug');
    });
    await a.flush();
    for (const n of ['1', '2', '3']) b.publish('n.throws', encodeText(n));
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['1', '2', '3']);
    expect(lines.join('')).toContain('handler bug');
  });

  it('gives undefined headers and reply when a message has none', async () => {
    const a = await open();
    const got = deferred<BusMessage>();
    a.subscribe('n.plain', (msg) => got.resolve(msg));
    await a.flush();
    a.publish('n.plain', encodeText('x'));
    const msg = await got.promise;
    expect(msg.headers).toBeUndefined();
    expect(msg.reply).toBeUndefined();
  });

  it('keeps the NATS error as `cause` of the runtime error', async () => {
    const a = await open();
    const error = await a.request('n.nobody', encodeText('x'), { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoRespondersError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('refuses bad subjects synchronously, in request too', async () => {
    const a = await open();
    expect(() => a.request('bad subject', encodeText('x'), { timeoutMs: 100 })).toThrow(BadSubjectError);
    expect(() => a.subscribe('', () => {})).toThrow(BadSubjectError);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const a = await open();
    await Promise.all([a.close(), a.close()]);
    await a.close();
    expect(a.status()).toBe('closed');
    expect(() => a.publish('n.x', encodeText('x'))).toThrow(ClosedError);
    expect(() => a.subscribe('n.x', () => {})).toThrow(ClosedError);
    await expect(a.request('n.x', encodeText('x'), { timeoutMs: 100 })).rejects.toBeInstanceOf(ClosedError);
    await expect(a.flush()).rejects.toBeInstanceOf(ClosedError);
  });

  it('fails to connect with ClosedError when no server answers', async () => {
    const dead = await startNatsServer();
    const url = dead.url;
    await dead.stop();
    await expect(NatsBus.connect({ servers: url, connectTimeoutMs: 1000 })).rejects.toBeInstanceOf(
      ClosedError,
    );
  });
});

describe('NatsBus when nats-server dies', () => {
  let server: NatsServerHandle;
  const opened: NatsBus[] = [];
  const open = async () => {
    // Short reconnect waits so the test does not wait on the production defaults.
    const bus = await NatsBus.connect({
      servers: server.url,
      reconnectTimeWaitMs: 100,
      reconnectJitterMs: 50,
    });
    opened.push(bus);
    return bus;
  };

  beforeEach(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
    await server.stop();
  });

  it('reports disconnected on SIGKILL, then connected after a restart on the same port, and the old subscription still receives', async () => {
    const sub = await open();
    const pub = await open();
    const seen: BusStatus[] = [];
    sub.onStatus((s) => seen.push(s));
    const got: string[] = [];
    sub.subscribe('f.room', (msg) => got.push(decodeText(msg.data)));
    await sub.flush();
    pub.publish('f.room', encodeText('before'));
    await waitFor(() => got.length === 1);

    const pid = server.pid;
    await server.kill('SIGKILL');
    expect(pid).toBeTypeOf('number');
    expect(server.pid).toBeUndefined();
    await waitFor(() => sub.status() === 'disconnected');
    expect(seen).toEqual(['disconnected']);

    await server.restart();
    await waitFor(() => sub.status() === 'connected' && pub.status() === 'connected', 10_000);
    expect(seen).toEqual(['disconnected', 'connected']);
    // No new subscribe call: the client resent the subscription itself.
    await sub.flush();
    pub.publish('f.room', encodeText('after'));
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['before', 'after']);
  });

  it('rejects a request made while disconnected at once with ClosedError', async () => {
    const bus = await open();
    await server.kill();
    await waitFor(() => bus.status() === 'disconnected');
    const started = Date.now();
    await expect(bus.request('f.req', encodeText('x'), { timeoutMs: 2000 })).rejects.toBeInstanceOf(
      ClosedError,
    );
    expect(Date.now() - started).toBeLessThan(500);
    // Publishing while disconnected is allowed (at most once: it may be lost).
    expect(() => bus.publish('f.req', encodeText('x'))).not.toThrow();
  });

  it('rejects a request in flight when the server dies with TimeoutError, not later than its timeout', async () => {
    const bus = await open();
    const responder = await open();
    responder.subscribe('f.silent', () => {});
    await responder.flush();
    const started = Date.now();
    const pending = bus.request('f.silent', encodeText('x'), { timeoutMs: 600 });
    await server.kill();
    await expect(pending).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(600 + 400);
  });

  it('closes promptly while disconnected', async () => {
    const bus = await open();
    bus.subscribe('f.x', () => {});
    await server.kill();
    await waitFor(() => bus.status() === 'disconnected');
    const started = Date.now();
    await bus.close();
    expect(bus.status()).toBe('closed');
    expect(Date.now() - started).toBeLessThan(1000);
  });
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

describe('server harness', () => {
  it('says which Debian package to install when a binary is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'sb-empty-path-'));
    try {
      await expect(startNatsServer({ env: { PATH: empty } })).rejects.toThrow(/apt-get install nats-server/);
      await expect(startRedisServer({ env: { PATH: empty } })).rejects.toThrow(
        /apt-get install redis-server/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('hands back an existing server from NATS_URL / REDIS_URL and refuses to kill it', async () => {
    const external = await startNatsServer({ env: { NATS_URL: nats.url } });
    expect(external).toMatchObject({ url: nats.url, port: nats.port, owned: false, pid: undefined });
    await expect(external.kill()).rejects.toThrow(/not owned/);
    await expect(external.restart()).rejects.toThrow(/not owned/);
    await external.stop();
    const redisExternal = await startRedisServer({ env: { REDIS_URL: 'redis://127.0.0.1:6390' } });
    expect(redisExternal.port).toBe(6390);
    await expect(redisExternal.kill()).rejects.toThrow(/not owned/);
    // Still running: stop() on an external handle does nothing.
    const bus = await NatsBus.connect({ servers: nats.url });
    await bus.close();
  });

  it('kills the process on stop()', async () => {
    const server = await startRedisServer();
    const pid = server.pid!;
    expect(isAlive(pid)).toBe(true);
    await server.stop();
    await server.stop();
    expect(isAlive(pid)).toBe(false);
    expect(server.pid).toBeUndefined();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

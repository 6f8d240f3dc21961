/**
 * The figures of docs/scaling.md, measured on this machine: appends/s per Redis shard (store
 * level, with and without WAIT), publishes/s through one Switchboard process (edge + router on
 * NATS + Redis), and connections per edge (memory per connection). `pnpm tsx scripts/scale-measure.ts`.
 * Short runs on purpose: figures from a shared, busy machine are a floor, not a ceiling.
 */
import { SwitchboardClient } from '@switchboard/client';
import { RedisHistoryStore } from '@switchboard/stores/redis';
import {
  connectSocket,
  startRedisCluster,
  startRedisSentinel,
  startRedisServer,
  startSwitchboard,
  type TestSocket,
} from '@switchboard/testing';
import { Cluster, Redis } from 'ioredis';
import { WebSocket } from 'ws';

const LIMITS = { size: 100, ttlMs: 600_000, metaTtlMs: 600_000, idempotencyTtlMs: 300_000 };

async function appendsPerSecond(
  store: RedisHistoryStore,
  seconds: number,
  concurrency = 64,
): Promise<number> {
  let done = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; Date.now() < until; i++) {
        await store.append(`room-${(worker * 7919 + i) % 1000}`, '{"n":1}');
        done++;
      }
    }),
  );
  return done / seconds;
}

async function redisFigures(): Promise<void> {
  const single = await startRedisServer();
  const r = new Redis(single.url);
  console.log(
    `redis single shard: ${Math.round(await appendsPerSecond(new RedisHistoryStore(r, LIMITS), 5))} appends/s`,
  );
  r.disconnect();
  await single.stop();

  const sentinel = await startRedisSentinel();
  const m = await sentinel.currentMaster();
  const master = new Redis({ host: '127.0.0.1', port: m.port });
  for (const wait of [0, 1]) {
    const store = new RedisHistoryStore(master, { ...LIMITS, waitReplicas: wait });
    console.log(
      `redis master + replica, WAIT ${wait}: ${Math.round(await appendsPerSecond(store, 5))} appends/s`,
    );
    const t = performance.now();
    for (let i = 0; i < 500; i++) await store.append('latency', 'x');
    console.log(`  one at a time: ${((performance.now() - t) / 500).toFixed(3)} ms per append`);
  }
  master.disconnect();
  await sentinel.stop();
  await redisClusterFigures();
}

async function redisClusterFigures(): Promise<void> {
  const cluster = await startRedisCluster();
  const client = new Cluster(
    cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
  );
  await client.ping();
  console.log(
    `redis cluster, 3 masters + 3 replicas: ${Math.round(await appendsPerSecond(new RedisHistoryStore(client, LIMITS), 5, 192))} appends/s`,
  );
  client.disconnect();
  await cluster.stop();
}

async function routerFigures(): Promise<void> {
  const sb = await startSwitchboard({
    backends: 'nats+redis',
    config: { userPublishRate: 0, connectionRate: 100_000, connectionBurst: 100_000 },
  });
  const clients = await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const c = new SwitchboardClient({ url: sb.wsUrl, token: () => sb.token(`p${i}`), WebSocket });
      c.on('error', () => {});
      await c.connect();
      return c;
    }),
  );
  let acked = 0;
  const seconds = 5;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    clients.flatMap((c, i) =>
      Array.from({ length: 4 }, async (_, j) => {
        while (Date.now() < until) {
          await c.publish(`bench-${(i * 4 + j) % 50}`, 'tick', { n: 1 });
          acked++;
        }
      }),
    ),
  );
  console.log(
    `one process (edge + router + presence + auth) on NATS + Redis: ${Math.round(acked / seconds)} publishes/s acked`,
  );
  await Promise.all(clients.map((c) => c.disconnect()));
  await sb.stop();
}

async function edgeFigures(count: number): Promise<void> {
  const sb = await startSwitchboard({ config: { maxConnections: count + 10 } });
  global.gc?.();
  const before = process.memoryUsage();
  const sockets: TestSocket[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        connectSocket(sb.wsUrl, sb.token(`u${i + j}`)),
      ),
    );
    sockets.push(...batch);
  }
  const seconds = (performance.now() - started) / 1000;
  global.gc?.();
  const after = process.memoryUsage();
  // Both ends live in this process: the server side is about half of what a connection costs here.
  const perConnection = (after.rss - before.rss) / count / 1024;
  console.log(
    `edge: ${count} connections (connect + token check) in ${seconds.toFixed(1)} s = ${Math.round(count / seconds)}/s; ` +
      `RSS +${Math.round(perConnection)} KiB per connection, both ends in one process`,
  );
  for (const s of sockets) s.close();
  await sb.stop();
}

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'redis') await redisFigures();
if (which === 'redis-cluster') await redisClusterFigures();
if (which === 'all' || which === 'router') await routerFigures();
if (which === 'all' || which === 'edge') await edgeFigures(Number(process.argv[3] ?? 3000));
process.exit(0);

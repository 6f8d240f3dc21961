import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { type Cluster, startCluster } from '../cluster.js';
import {
  Clients,
  dumpLogs,
  expectAcksAre1toN,
  expectEachPublishOnce,
  expectOffsets1toN,
  FAULT_ENV,
  Publisher,
  readHistory,
  report,
  type Subscriber,
  sleep,
} from './helpers.js';

/**
 * Routers are a NATS queue group: when one dies (kill -9), the requests it held time out at
 * the edge (SB_REQUEST_TIMEOUT_MS = 1 s here) and the client retries them with the same
 * idempotency key; everything after goes to the surviving router. Nothing is stored or
 * delivered twice, and a message the dead router appended but never published is filled in
 * from history by the edges.
 */

let cluster: Cluster;
let clients: Clients;

beforeAll(async () => {
  cluster = await startCluster({ edges: 2, routers: 2, env: FAULT_ENV });
  clients = new Clients(cluster);
}, 90_000);

beforeEach(async () => {
  await cluster.waitReady(30_000);
  onTestFailed(() => dumpLogs(cluster, ['edge-1', 'edge-2', 'router-1', 'router-2', 'haproxy']));
});

afterEach(async () => {
  await clients.closeAll();
});

afterAll(async () => {
  await clients?.closeAll();
  await cluster?.stop();
}, 30_000);

/** Subscribers through HAProxy, and publishers connected straight to each edge in turn. */
async function traffic(room: string, options: { publishers: number; count: number; intervalMs: number }) {
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < 3; i++) subscribers.push(await clients.joined(`sub-${i}`, room));
  const publishers: Publisher[] = [];
  for (let i = 0; i < options.publishers; i++) {
    const client = clients.make(`publisher-${i}`, cluster.edgeUrls[i % cluster.edgeUrls.length]);
    await client.connect();
    publishers.push(
      new Publisher(client, room, { count: options.count, intervalMs: options.intervalMs, name: `p${i}` }),
    );
  }
  return { subscribers, publishers };
}

/** Every acked publish once in history and, in that order, at every subscriber. */
async function expectExactlyOnce(room: string, subscribers: Subscriber[], publishers: Publisher[]) {
  await Promise.all(publishers.map((p) => p.done));
  const n = expectAcksAre1toN(publishers);
  expect(n).toBe(publishers.reduce((sum, p) => sum + p.count, 0));
  for (const s of subscribers)
    await s.until(() => s.lastOffset >= n, `subscriber on ${s.node} to reach ${n}`);
  for (const s of subscribers) {
    expectOffsets1toN(s, n);
    expect(s.unrecovered).toEqual([]);
  }
  const history = await readHistory(clients, room);
  expectEachPublishOnce(history, publishers);
  for (const s of subscribers) expect(s.messages.map((m) => m.data)).toEqual(history.map((m) => m.data));
  return n;
}

function figures(publishers: Publisher[], since: number) {
  const acks = publishers.flatMap((p) => p.acks);
  const after = acks.filter((a) => a.ackedAt >= since);
  return {
    publishes_retried: acks.filter((a) => a.attempts > 1).length,
    failed_attempts: publishers.reduce((sum, p) => sum + p.failures.length, 0),
    duplicate_acks: acks.filter((a) => a.duplicate).length,
    publish_latency_ms_max_after_fault: Math.max(0, ...after.map((a) => a.latencyMs)),
  };
}

describe('router failure', () => {
  it('kill -9 a router under traffic: publishes continue via the other, retries are not duplicated', async () => {
    const room = 'fault:router-kill';
    // Four publishers at 50/s each keep both routers busy, so requests are in flight at the kill.
    const { subscribers, publishers } = await traffic(room, { publishers: 4, count: 150, intervalMs: 20 });
    await Promise.all(publishers.map((p) => p.untilAcked(50)));
    const killedAt = Date.now();
    await cluster.process('router-1').kill('SIGKILL');

    const n = await expectExactlyOnce(room, subscribers, publishers);
    report('router kill -9', { messages: n, ...figures(publishers, killedAt) });
    expect(cluster.unexpectedExits()).toEqual([]);
    expect((await cluster.process('router-2').readyz()).ready).toBe(true);

    const restartFrom = Date.now();
    await cluster.process('router-1').restart();
    report('router restart', { ready_ms: Date.now() - restartFrom });
  }, 120_000);

  it('a router that hangs, then is killed -9: its requests time out and are retried with the same key', async () => {
    const room = 'fault:router-hang';
    const { subscribers, publishers } = await traffic(room, { publishers: 2, count: 150, intervalMs: 20 });
    await Promise.all(publishers.map((p) => p.untilAcked(40)));
    // Frozen, it stays subscribed: NATS keeps handing it about half the requests, which the
    // edges time out after SB_REQUEST_TIMEOUT_MS and the publishers retry (same key).
    const hungAt = Date.now();
    const victim = cluster.process('router-1');
    process.kill(victim.pid!, 'SIGSTOP');
    await sleep(1_500);
    await victim.kill('SIGKILL');

    const n = await expectExactlyOnce(room, subscribers, publishers);
    const f = figures(publishers, hungAt);
    report('router hang 1.5 s then kill -9', { messages: n, ...f });
    // The hang really cost requests: they failed and went through the retry path.
    expect(f.publishes_retried).toBeGreaterThan(0);
    expect(cluster.unexpectedExits()).toEqual([]);
    await victim.restart();
  }, 120_000);
});

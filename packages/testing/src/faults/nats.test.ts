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
  ReadinessWatch,
  readHistory,
  report,
  type Subscriber,
  waitUntil,
} from './helpers.js';

/**
 * NATS is the cluster's nervous system and holds no state: when nats-server dies and comes
 * back on the same port, every service and edge reconnects by itself (unready meanwhile), the
 * clients' WebSockets stay open, and publishes refused during the outage succeed on retry.
 * Nothing acked is lost: it is in Redis, and edges read what they missed from history.
 */

let cluster: Cluster;
let clients: Clients;

beforeAll(async () => {
  cluster = await startCluster({ edges: 2, routers: 2, env: FAULT_ENV });
  clients = new Clients(cluster);
}, 90_000);

beforeEach(async () => {
  await cluster.waitReady(30_000);
  onTestFailed(() => dumpLogs(cluster, ['nats', 'edge-1', 'edge-2', 'router-1', 'router-2', 'haproxy']));
});

afterEach(async () => {
  await clients.closeAll();
});

afterAll(async () => {
  await clients?.closeAll();
  await cluster?.stop();
}, 30_000);

describe('nats-server restart', () => {
  it('services and edges reconnect, /readyz goes false then true, no acked message is lost', async () => {
    const room = 'fault:nats-restart';
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < 3; i++) subscribers.push(await clients.joined(`sub-${i}`, room));
    const publishers: Publisher[] = [];
    for (let i = 0; i < 2; i++) {
      const client = clients.make(`publisher-${i}`, cluster.edgeUrls[i]);
      await client.connect();
      publishers.push(new Publisher(client, room, { count: 150, intervalMs: 30, name: `p${i}` }));
    }
    let reconnects = 0;
    for (const s of subscribers) s.client.on('connected', () => reconnects++);

    await Promise.all(publishers.map((p) => p.untilAcked(40)));
    const names = cluster.processes.map((p) => p.name);
    const watch = new ReadinessWatch(cluster.processes);
    const killedAt = Date.now();
    await cluster.nats.kill('SIGKILL');
    // Every process notices (its NATS client sees the socket close) before NATS comes back.
    await waitUntil(() => watch.allDown(names), 'every process to report not ready', 15_000);
    const allDownMs = Date.now() - killedAt;
    // HAProxy's checks of /readyz take the edges out: new connections are refused meanwhile.
    await waitUntil(
      async () => (await cluster.haproxy.servers()).every((s) => s.status === 'DOWN'),
      'haproxy to mark every edge down',
      15_000,
    );
    const haproxyDownMs = Date.now() - killedAt;
    const restartedAt = Date.now();
    await cluster.nats.restart();
    await waitUntil(() => watch.allBackUp(names), 'every process to be ready again', 30_000);
    await watch.stop();
    const backUpMs = Math.max(...names.map((n) => watch.up.get(n)!)) - restartedAt;
    await cluster.waitReady(30_000);
    const haproxyBackMs = Date.now() - restartedAt;

    for (const name of names) {
      expect(watch.down.get(name)?.reasons.join(',')).toMatch(/bus/);
    }
    const n = await (async () => {
      await Promise.all(publishers.map((p) => p.done));
      return expectAcksAre1toN(publishers);
    })();
    expect(n).toBe(300);
    for (const s of subscribers)
      await s.until(() => s.lastOffset >= n, `subscriber on ${s.node} to reach ${n}`);
    for (const s of subscribers) {
      expectOffsets1toN(s, n);
      expect(s.unrecovered).toEqual([]);
    }
    const history = await readHistory(clients, room);
    expectEachPublishOnce(history, publishers);
    for (const s of subscribers) expect(s.messages.map((m) => m.data)).toEqual(history.map((m) => m.data));

    const acks = publishers.flatMap((p) => p.acks);
    report('nats-server restart', {
      all_unready_after_ms: allDownMs,
      all_ready_after_restart_ms: backUpMs,
      haproxy_edges_up_after_restart_ms: haproxyBackMs,
      haproxy_all_edges_down_after_ms: haproxyDownMs,
      outage_ms: restartedAt - killedAt,
      client_reconnects: reconnects,
      messages: n,
      publishes_retried: acks.filter((a) => a.attempts > 1).length,
      failed_attempts: publishers.reduce((sum, p) => sum + p.failures.length, 0),
      duplicate_acks: acks.filter((a) => a.duplicate).length,
      publish_latency_ms_max: Math.max(...acks.map((a) => a.latencyMs)),
    });
    expect(cluster.unexpectedExits()).toEqual([]);
  }, 150_000);
});

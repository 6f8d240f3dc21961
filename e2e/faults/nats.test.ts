import { describe, expect, it } from 'vitest';
import { expectExactlyOnce, ReadinessWatch, report, traffic, useFaultCluster, waitUntil } from './helpers.js';

/**
 * NATS is the cluster's nervous system and holds no state: when nats-server dies and comes
 * back on the same port, every service and edge reconnects by itself (unready meanwhile), the
 * clients' WebSockets stay open, and publishes refused during the outage succeed on retry.
 * Nothing acked is lost: it is in Redis, and edges read what they missed from history.
 */

const fault = useFaultCluster({ logs: ['nats', 'edge-1', 'edge-2', 'router-1', 'router-2', 'haproxy'] });

describe('nats-server restart', () => {
  it('services and edges reconnect, /readyz goes false then true, no acked message is lost', async () => {
    const room = 'fault:nats-restart';
    const { subscribers, publishers } = await traffic(fault, room, {
      publishers: 2,
      count: 150,
      intervalMs: 30,
    });
    let reconnects = 0;
    for (const s of subscribers) s.client.on('connected', () => reconnects++);

    await Promise.all(publishers.map((p) => p.untilAcked(40)));
    const names = fault.cluster.processes.map((p) => p.name);
    const watch = new ReadinessWatch(fault.cluster.processes);
    const killedAt = Date.now();
    await fault.cluster.nats.kill('SIGKILL');
    // Every process notices (its NATS client sees the socket close) before NATS comes back.
    await waitUntil(() => watch.allDown(names), 'every process to report not ready', 15_000);
    const allDownMs = Date.now() - killedAt;
    // HAProxy's checks of /readyz take the edges out: new connections are refused meanwhile.
    await waitUntil(
      async () => (await fault.cluster.haproxy.servers()).every((s) => s.status === 'DOWN'),
      'haproxy to mark every edge down',
      15_000,
    );
    const haproxyDownMs = Date.now() - killedAt;
    const restartedAt = Date.now();
    await fault.cluster.nats.restart();
    await waitUntil(() => watch.allBackUp(names), 'every process to be ready again', 30_000);
    await watch.stop();
    const backUpMs = Math.max(...names.map((n) => watch.up.get(n)!)) - restartedAt;
    await fault.cluster.waitReady(30_000);
    const haproxyBackMs = Date.now() - restartedAt;

    for (const name of names) {
      expect(watch.down.get(name)?.reasons.join(',')).toMatch(/bus/);
    }
    const n = await expectExactlyOnce(fault, room, subscribers, publishers);
    expect(n).toBe(300);

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
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 150_000);
});

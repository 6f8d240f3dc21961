import { describe, expect, it } from 'vitest';
import { expectExactlyOnce, type Publisher, report, sleep, traffic, useFaultCluster } from './helpers.js';

/**
 * Routers are a NATS queue group: when one dies (kill -9), the requests it held time out at
 * the edge (SB_REQUEST_TIMEOUT_MS = 1 s here) and the client retries them with the same
 * idempotency key; everything after goes to the surviving router. Nothing is stored or
 * delivered twice, and a message the dead router appended but never published is filled in
 * from history by the edges.
 */

const fault = useFaultCluster({ logs: ['edge-1', 'edge-2', 'router-1', 'router-2', 'haproxy'] });

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
    const { subscribers, publishers } = await traffic(fault, room, {
      publishers: 4,
      count: 150,
      intervalMs: 20,
    });
    await Promise.all(publishers.map((p) => p.untilAcked(50)));
    const killedAt = Date.now();
    await fault.cluster.process('router-1').kill('SIGKILL');

    const n = await expectExactlyOnce(fault, room, subscribers, publishers);
    report('router kill -9', { messages: n, ...figures(publishers, killedAt) });
    expect(fault.cluster.unexpectedExits()).toEqual([]);
    expect((await fault.cluster.process('router-2').readyz()).ready).toBe(true);

    const restartFrom = Date.now();
    await fault.cluster.process('router-1').restart();
    report('router restart', { ready_ms: Date.now() - restartFrom });
  }, 120_000);

  it('a router that hangs, then is killed -9: its requests time out and are retried with the same key', async () => {
    const room = 'fault:router-hang';
    const { subscribers, publishers } = await traffic(fault, room, {
      publishers: 2,
      count: 150,
      intervalMs: 20,
    });
    await Promise.all(publishers.map((p) => p.untilAcked(40)));
    // Frozen, it stays subscribed: NATS keeps handing it about half the requests, which the
    // edges time out after SB_REQUEST_TIMEOUT_MS and the publishers retry (same key).
    const hungAt = Date.now();
    const victim = fault.cluster.process('router-1');
    process.kill(victim.pid!, 'SIGSTOP');
    await sleep(1_500);
    await victim.kill('SIGKILL');

    const n = await expectExactlyOnce(fault, room, subscribers, publishers);
    const f = figures(publishers, hungAt);
    report('router hang 1.5 s then kill -9', { messages: n, ...f });
    // The hang really cost requests: they failed and went through the retry path.
    expect(f.publishes_retried).toBeGreaterThan(0);
    expect(fault.cluster.unexpectedExits()).toEqual([]);
    await victim.restart();
  }, 120_000);
});

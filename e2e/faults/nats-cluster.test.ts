import { natsClientConnections } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';
import { expectExactlyOnce, report, traffic, useFaultCluster } from './helpers.js';

/**
 * NATS as a 3-node cluster (routes on loopback, every process given all three URLs): when the
 * node most processes are connected to dies with -9, their clients move to the two others. A
 * request in flight through the dead node times out (1 s here) and the publisher retries it
 * with the same key; nothing acked is lost, nothing is stored twice.
 */

const fault = useFaultCluster({
  natsNodes: 3,
  logs: ['nats-1', 'nats-2', 'nats-3', 'edge-1', 'edge-2', 'router-1', 'router-2'],
});

describe('one node of a 3-node NATS cluster killed under traffic', () => {
  it('clients move to the other nodes, no acked message is lost', async () => {
    const room = 'fault:nats-cluster-node';
    const { subscribers, publishers } = await traffic(fault, room, {
      publishers: 2,
      count: 200,
      intervalMs: 25,
    });
    await Promise.all(publishers.map((p) => p.untilAcked(40)));
    const nodes = fault.cluster.natsNodes;
    expect(nodes.length).toBe(3);
    const connections = await Promise.all(nodes.map((n) => natsClientConnections(n)));
    const victim = connections.indexOf(Math.max(...connections));
    const killedAt = Date.now();
    await nodes[victim]!.kill('SIGKILL');
    // Everyone on the dead node reconnects elsewhere: the two others hold every connection.
    const before = connections.reduce((a, b) => a + b, 0);
    let movedMs = 0;
    for (;;) {
      const now = await Promise.all(
        nodes.filter((_, i) => i !== victim).map((n) => natsClientConnections(n)),
      );
      if (now.reduce((a, b) => a + b, 0) >= before) {
        movedMs = Date.now() - killedAt;
        break;
      }
      if (Date.now() - killedAt > 20_000) throw new Error(`connections did not move: ${now} of ${before}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const n = await expectExactlyOnce(fault, room, subscribers, publishers);
    expect(n).toBe(400);
    const acks = publishers.flatMap((p) => p.acks);
    const after = acks.filter((a) => a.ackedAt > killedAt).map((a) => a.ackedAt);
    report('nats cluster node killed', {
      victim_connections: connections[victim]!,
      connections_moved_after_ms: movedMs,
      first_ack_after_kill_ms: Math.min(...after) - killedAt,
      publishes_retried: acks.filter((a) => a.attempts > 1).length,
      failed_attempts: publishers.reduce((sum, p) => sum + p.failures.length, 0),
      publish_latency_ms_max: Math.max(...acks.map((a) => a.latencyMs)),
      messages: n,
    });
    await nodes[victim]!.restart();
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 60_000);
});

import { type ClientOptions, RequestError, SwitchboardClient } from '@switchboard/client';
import type { MessagePush } from '@switchboard/protocol';
import {
  type RedisNodeProcess,
  type RedisSentinelHandle,
  startRedisSentinel,
  startSwitchboard,
  type TestSwitchboard,
} from '@switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { allHistory, Publisher, report, Subscriber } from './helpers.js';

/**
 * A Redis master killed with -9 under publish traffic, with a replica to take over: a Redis
 * Cluster (3 masters + 3 replicas, node timeout 2 s) promotes the dead master's replica, a
 * Sentinel setup (1 master, 1 replica, 3 Sentinels, down-after 2 s) does the same. Publishes
 * fail (and the publisher retries them with the same idempotency key) while no master owns the
 * room, then resume on the promoted replica, in the same epoch.
 *
 * Replication is asynchronous: an append acknowledged by the master but not yet copied to the
 * replica is lost with it, and its offset is then given to the next publish. What was lost is
 * counted (acked publishes missing from the history after failover). With
 * SB_REDIS_WAIT_REPLICAS=1 the ack waits until the replica has the append (Redis WAIT), so no
 * acked publish can be lost to one master's death; its cost is measured below.
 */

const CLIENT: Partial<ClientOptions> = {
  reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 'full' },
  requestTimeoutMs: 8_000,
  connectTimeoutMs: 8_000,
};

const CONFIG = {
  historySize: 5_000,
  userPublishRate: 0,
  connectionRate: 500,
  connectionBurst: 1_000,
  requestTimeoutMs: 1_000,
} as const;

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
});

function client(sb: TestSwitchboard, user: string): SwitchboardClient {
  const c = new SwitchboardClient({ url: sb.wsUrl, token: () => sb.token(user), WebSocket, ...CLIENT });
  c.on('error', () => {});
  stops.push(() => c.disconnect());
  return c;
}

async function history(sb: TestSwitchboard, room: string): Promise<MessagePush[]> {
  const reader = client(sb, 'auditor');
  await reader.connect();
  const out = await allHistory(reader, room);
  await reader.disconnect();
  return out;
}

interface FailoverFigures {
  failoverMs: number;
  /** With WAIT: from the kill until appends are acked again with the old master back as a replica. */
  replicaBackMs: number;
  publishGapMs: number;
  acked: number;
  lostAcked: number;
  failedAttempts: number;
}

/** Publishes at 50/s, kills `master()` with -9 after 50 acks, and measures what happened. */
async function publishThroughFailover(
  sb: TestSwitchboard,
  room: string,
  master: () => Promise<RedisNodeProcess>,
  failedOver: (killed: RedisNodeProcess) => Promise<void>,
  waitReplicas: number,
): Promise<FailoverFigures> {
  const subscriberClient = client(sb, 'watcher');
  const subscriber = new Subscriber(subscriberClient, room);
  await subscriberClient.connect();
  await subscriberClient.join(room);
  const publisherClient = client(sb, 'publisher');
  await publisherClient.connect();
  const publisher = new Publisher(publisherClient, room, { count: 400, intervalMs: 20, retryDelayMs: 100 });
  await publisher.untilAcked(50, 15_000);
  const victim = await master();
  const killedAt = Date.now();
  await victim.kill('SIGKILL');
  await failedOver(victim);
  const failoverMs = Date.now() - killedAt;
  // The promoted replica has no replica of its own: with WAIT, appends fail until one is back.
  // The killed node is restarted (as an orchestrator would) and rejoins as a replica.
  let replicaBackMs = 0;
  if (waitReplicas > 0) {
    await victim.restart();
    await publisher.untilAcked(publisher.acked + 5, 30_000);
    replicaBackMs = Date.now() - killedAt;
  }
  await publisher.done;
  const afterKill = publisher.acks.filter((a) => a.ackedAt > killedAt).map((a) => a.ackedAt);
  const stored = await history(sb, room);
  const storedSeqs = new Set(stored.map((m) => (m.data as { seq: number }).seq));
  const lostAcked = publisher.acks.filter((a) => !storedSeqs.has(a.seq)).length;
  // Every publish ends acked: the publisher retries with its key until one is.
  expect(publisher.acked).toBe(400);
  expect(new Set(publisher.acks.map((a) => a.epoch)).size).toBe(1);
  await subscriber.until(() => subscriber.messages.length >= stored.length, 'the live stream to catch up');
  return {
    failoverMs,
    replicaBackMs,
    // The longest stretch without an ack around the kill: how long publishing stopped.
    publishGapMs: Math.max(0, Math.min(...afterKill) - killedAt),
    acked: publisher.acked,
    lostAcked,
    failedAttempts: publisher.failures.length,
  };
}

/** Mean ms per acknowledged publish, one at a time. */
async function ackLatency(sb: TestSwitchboard, room: string, n: number): Promise<number> {
  const c = client(sb, 'timer');
  await c.connect();
  /**
   * As clients must: a temporary refusal is retried with the same key. With WAIT, a loaded box
   * can leave the replica's confirmation past SB_REDIS_WAIT_TIMEOUT_MS (2002) before any fault.
   */
  const publish = async (event: string, i: number) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await c.publish(room, event, { i }, { key: `${event}-${i}` });
      } catch (error) {
        if (!(error instanceof RequestError && error.temporary) || attempt === 20) throw error;
      }
    }
  };
  for (let i = 0; i < 20; i++) await publish('warm', i);
  const started = performance.now();
  for (let i = 0; i < n; i++) await publish('tick', i);
  return (performance.now() - started) / n;
}

describe('Redis Cluster master killed under publish traffic', () => {
  for (const waitReplicas of [0, 1]) {
    it(`the replica is promoted and publishes resume (SB_REDIS_WAIT_REPLICAS=${waitReplicas})`, async () => {
      const sb = await startSwitchboard({
        backends: 'nats+redis-cluster',
        config: { ...CONFIG, redisWaitReplicas: waitReplicas },
      });
      stops.push(() => sb.stop());
      const cluster = sb.redisCluster!.redis;
      const latencyMs = await ackLatency(sb, 'timing', 300);
      const room = `failover-${waitReplicas}`;
      const figures = await publishThroughFailover(
        sb,
        room,
        () => cluster.masterOf(`sb:h:{${room}}:meta`),
        () => cluster.waitHealthy(30_000),
        waitReplicas,
      );
      report(`redis cluster failover, wait replicas ${waitReplicas}`, {
        ...figures,
        ackLatencyMsX100: latencyMs * 100,
      });
      if (waitReplicas > 0) expect(figures.lostAcked).toBe(0);
      // Publishing stopped for about the failure detection (node timeout 2 s) plus the election.
      expect(figures.publishGapMs).toBeLessThan(20_000);
    }, 60_000);
  }
});

describe('Redis Sentinel master killed under publish traffic', () => {
  for (const waitReplicas of [0, 1]) {
    it(`the Sentinels promote the replica and publishes resume (SB_REDIS_WAIT_REPLICAS=${waitReplicas})`, async () => {
      const sentinel: RedisSentinelHandle = await startRedisSentinel();
      stops.push(() => sentinel.stop());
      const sb = await startSwitchboard({
        config: {
          ...CONFIG,
          store: 'redis',
          redisSentinels: [...sentinel.sentinels],
          redisSentinelMaster: sentinel.masterName,
          redisWaitReplicas: waitReplicas,
        },
      });
      stops.push(() => sb.stop());
      const latencyMs = await ackLatency(sb, 'timing', 300);
      const figures = await publishThroughFailover(
        sb,
        'sentinel-failover',
        () => sentinel.currentMaster(),
        async (killed) => {
          await sentinel.waitForNewMaster(killed, 30_000);
        },
        waitReplicas,
      );
      report(`redis sentinel failover, wait replicas ${waitReplicas}`, {
        ...figures,
        ackLatencyMsX100: latencyMs * 100,
      });
      if (waitReplicas > 0) expect(figures.lostAcked).toBe(0);
      expect(figures.publishGapMs).toBeLessThan(30_000);
    }, 60_000);
  }
});

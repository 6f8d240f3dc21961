import { describe, expect, it } from 'vitest';
import {
  expectAcksAre1toN,
  expectEachPublishOnce,
  expectOffsets1toN,
  Publisher,
  readHistory,
  report,
  type Subscriber,
  useFaultCluster,
  waitUntil,
} from './helpers.js';

/**
 * Edges are stateless: members of one room spread over two edges all get every message, and
 * when an edge dies (kill -9) its clients reconnect through HAProxy to the other one, recover
 * every message they missed, and the presence service lets their entries expire.
 */

const PRESENCE_TTL_MS = 1_500;

const fault = useFaultCluster({
  env: { SB_PRESENCE_TTL_MS: String(PRESENCE_TTL_MS) },
  logs: ['edge-1', 'edge-2', 'router-1', 'router-2', 'presence-1', 'haproxy'],
});

describe('two edges', () => {
  it('a publish on one edge reaches members on the other', async () => {
    const room = 'fault:cross-edge';
    const [edge1, edge2] = fault.cluster.edgeUrls;
    const a = await fault.clients.joined('alice', room, edge1);
    const b = await fault.clients.joined('bob', room, edge2);
    expect([a.node, b.node]).toEqual(['edge-1', 'edge-2']);

    const first = await a.client.publish(room, 'say', { text: 'from edge-1' });
    const second = await b.client.publish(room, 'say', { text: 'from edge-2' });
    expect([first.offset, second.offset]).toEqual([1, 2]);

    for (const s of [a, b]) {
      await s.until(() => s.lastOffset >= 2, 'both messages on both edges', 10_000);
      expectOffsets1toN(s, 2);
      expect(s.messages.map((m) => m.data)).toEqual([{ text: 'from edge-1' }, { text: 'from edge-2' }]);
    }
  });

  it('kill -9 an edge under traffic: its clients reconnect through HAProxy and recover every message', async () => {
    const room = 'fault:edge-kill';
    const count = 200;
    // Subscribers and the publisher all go through HAProxy (round robin spreads them).
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < 4; i++) subscribers.push(await fault.clients.joined(`sub-${i}`, room));
    const publisherSub = await fault.clients.joined('publisher', room);
    const publisherClient = publisherSub.client;
    const nodes = new Set(subscribers.map((s) => s.node));
    expect(nodes.size).toBe(2);

    // The victim: the publisher's edge, so both its publishes (offline queue, same keys) and
    // its subscribers (recovery) go through the failover.
    const victimName = publisherSub.node!;
    const victim = fault.cluster.process(victimName);
    const moved = subscribers.filter((s) => s.node === victimName);
    const stayed = subscribers.filter((s) => s.node !== victimName);
    expect(moved.length).toBeGreaterThan(0);

    let publisherReconnects = 0;
    publisherClient.on('connected', () => publisherReconnects++);
    const publisher = new Publisher(publisherClient, room, { count, intervalMs: 20 });
    await publisher.untilAcked(60);

    const killedAt = Date.now();
    const joinsBefore = new Map(moved.map((s) => [s, s.joins.length]));
    const exit = await victim.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    // Each moved subscriber rejoins (on the other edge) with recovery.
    const recoveredAt: number[] = [];
    await Promise.all(
      moved.map(async (s) => {
        await s.until(() => s.joins.length > joinsBefore.get(s)!, `${s.client.connection?.user} to rejoin`);
        const rejoin = s.joins.at(-1)!;
        expect(rejoin.rejoin).toBe(true);
        expect(rejoin.recovered).toBe(true);
        recoveredAt.push(rejoin.at);
      }),
    );
    for (const s of moved) expect(s.node).not.toBe(victimName);

    await publisher.done;
    expect(publisherReconnects).toBeGreaterThan(0);
    expect(publisherSub.node).not.toBe(victimName);
    // Every acked publish has its own offset: retries with the same key were not stored twice.
    const n = expectAcksAre1toN([publisher]);
    expect(n).toBe(count);
    const caughtUp = Date.now();
    for (const s of subscribers)
      await s.until(() => s.lastOffset >= n, `${s.client.connection?.user} to reach ${n}`);
    const allCaughtUp = Date.now();

    for (const s of [...subscribers, publisherSub]) {
      expectOffsets1toN(s, n);
      expect(s.unrecovered).toEqual([]);
    }
    const history = await readHistory(fault.clients, room);
    expectEachPublishOnce(history, [publisher]);
    // Subscribers saw exactly the stored order.
    for (const s of subscribers) expect(s.messages.map((m) => m.data)).toEqual(history.map((m) => m.data));

    report('edge kill -9', {
      subscribers_moved: moved.length,
      subscribers_stayed: stayed.length,
      messages: n,
      reconnect_recovery_ms_max: Math.max(...recoveredAt) - killedAt,
      reconnect_recovery_ms_min: Math.min(...recoveredAt) - killedAt,
      publisher_retried: publisher.failures.length,
      publisher_duplicate_acks: publisher.acks.filter((a) => a.duplicate).length,
      publish_latency_ms_max: Math.max(...publisher.acks.map((a) => a.latencyMs)),
      all_caught_up_after_last_ack_ms: allCaughtUp - caughtUp,
    });

    // HAProxy took the dead edge out; a restarted edge comes back in.
    await waitUntil(
      async () =>
        (await fault.cluster.haproxy.servers()).find((s) => s.name === victimName)?.status === 'DOWN',
      `haproxy to mark ${victimName} down`,
      10_000,
    );
    const restartFrom = Date.now();
    await victim.restart();
    await fault.cluster.waitReady(30_000);
    report('edge restart', { back_in_haproxy_ms: Date.now() - restartFrom });
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 120_000);

  it('presence: the members of a killed edge leave within the TTL bound', async () => {
    const room = 'fault:presence';
    const [edge1, edge2] = fault.cluster.edgeUrls;
    const watcher = await fault.clients.joined('watcher', room, edge1, { presence: true });
    // The victim's clients must not reconnect elsewhere: they would rejoin as new members.
    const doomed = await fault.clients.joined('doomed', room, edge2, { presence: true, reconnect: false });
    const doomedConn = doomed.client.connection!.conn;
    await watcher.until(
      () => (watcher.client.members(room) ?? []).some((m) => m.conn === doomedConn),
      'the watcher to see the doomed member',
      10_000,
    );

    let leftAt: number | undefined;
    watcher.client.on('presence', (e) => {
      if (e.room === room && e.leaves.some((m) => m.conn === doomedConn)) leftAt ??= Date.now();
    });
    const killedAt = Date.now();
    await fault.cluster.process('edge-2').kill('SIGKILL');

    await watcher.until(() => leftAt !== undefined, 'the leave diff of the dead edge’s member', 20_000);
    const leaveMs = leftAt! - killedAt;
    const listed = await watcher.client.presence(room);
    expect(listed.map((m) => m.conn)).not.toContain(doomedConn);
    expect(listed.map((m) => m.user)).toEqual(['watcher']);
    report('presence after edge kill -9', {
      ttl_ms: PRESENCE_TTL_MS,
      documented_bound_ms: PRESENCE_TTL_MS + PRESENCE_TTL_MS / 3,
      leave_seen_after_ms: leaveMs,
    });
    // TTL + one sweep interval is the bound; twice that and more leaves room for a busy box.
    expect(leaveMs).toBeLessThan(6_000);

    await fault.cluster.process('edge-2').restart();
    await fault.cluster.waitReady(30_000);
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 90_000);

  it('SIGTERM an edge: it drains (close 4000), HAProxy takes it out, its clients move with recovery', async () => {
    const room = 'fault:edge-drain';
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < 4; i++) subscribers.push(await fault.clients.joined(`drain-${i}`, room));
    const victimName = subscribers[0]!.node!;
    const moved = subscribers.filter((s) => s.node === victimName);
    const publisherClient = fault.clients.make(
      'drain-publisher',
      fault.cluster.edgeUrls.find((_, i) => `edge-${i + 1}` !== victimName),
    );
    await publisherClient.connect();
    // The first close each moved client sees; a reconnect that lands on the draining edge
    // before HAProxy took it out is refused (503) and shows up as a later 1006.
    const firstClose = new Map<Subscriber, number>();
    for (const s of moved) s.client.on('disconnected', (e) => firstClose.set(s, firstClose.get(s) ?? e.code));

    const publisher = new Publisher(publisherClient, room, { count: 100, intervalMs: 20 });
    await publisher.untilAcked(30);
    const termAt = Date.now();
    const exiting = fault.cluster.process(victimName).kill('SIGTERM');
    await waitUntil(
      async () =>
        (await fault.cluster.haproxy.servers()).find((s) => s.name === victimName)?.status === 'DOWN',
      `haproxy to take ${victimName} out`,
      10_000,
    );
    const outOfRotationMs = Date.now() - termAt;
    const exit = await exiting;
    // A graceful stop: drain, stop, exit 0.
    expect(exit).toEqual({ code: 0, signal: null });
    const exitedMs = Date.now() - termAt;

    await publisher.done;
    const n = expectAcksAre1toN([publisher]);
    for (const s of subscribers)
      await s.until(() => s.lastOffset >= n, `${s.client.connection?.user} to reach ${n}`);
    for (const s of subscribers) {
      expectOffsets1toN(s, n);
      expect(s.unrecovered).toEqual([]);
      expect(s.node).not.toBe(victimName);
    }
    // Told to reconnect elsewhere (4000), not cut.
    expect(moved.map((s) => firstClose.get(s))).toEqual(moved.map(() => 4000));
    const rejoinedAt = moved.map((s) => s.joins.at(-1)!.at);
    report('edge SIGTERM (drain)', {
      drain_ms_setting: 500,
      haproxy_out_of_rotation_ms: outOfRotationMs,
      process_exited_ms: exitedMs,
      clients_moved: moved.length,
      last_rejoin_ms: Math.max(...rejoinedAt) - termAt,
    });

    await fault.cluster.process(victimName).restart();
    await fault.cluster.waitReady(30_000);
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 90_000);
});

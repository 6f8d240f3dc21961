import { connectSocket, type TestSocket } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';
import {
  expectAcksAre1toN,
  Publisher,
  ReadinessWatch,
  report,
  useFaultCluster,
  waitUntil,
} from './helpers.js';

/**
 * Redis holds every room's offsets and history. Restarted without persistence it comes back
 * EMPTY: rooms start a new epoch at offset 1, clients that reconnect get `recovered: false`
 * (never a silent hole), clients that stayed connected see the epoch change in the live
 * stream, and publishing and delivery work again without restarting anything.
 */

const fault = useFaultCluster({ logs: ['redis', 'edge-1', 'edge-2', 'router-1', 'router-2'] });

describe('redis-server restart (data lost)', () => {
  it('the epoch changes, a reconnecting client gets recovered:false, the service heals', async () => {
    const room = 'fault:redis-restart';
    // Both through HAProxy: one stays connected throughout, one is offline across the restart.
    const stayer = await fault.clients.joined('stayer', room);
    const returner = await fault.clients.joined('returner', room);
    const publisherClient = fault.clients.make('publisher', fault.cluster.edgeUrls[0]);
    await publisherClient.connect();

    const before = new Publisher(publisherClient, room, { count: 10, intervalMs: 20, name: 'before' });
    await before.done;
    expect(expectAcksAre1toN([before])).toBe(10);
    const oldEpoch = before.acks[0]!.epoch;
    for (const s of [stayer, returner]) await s.until(() => s.lastOffset === 10, 'the first 10 messages');
    // Offline across the restart; the SDK remembers the room and its position.
    await returner.client.disconnect();
    expect(returner.client.position(room)).toEqual({ offset: 10, epoch: oldEpoch });

    // Auth, routers and presence keep state in Redis; edges keep none and must stay ready.
    const names = fault.cluster.processes.filter((p) => !p.name.startsWith('edge')).map((p) => p.name);
    const edgeNames = fault.cluster.processes.filter((p) => p.name.startsWith('edge')).map((p) => p.name);
    const watch = new ReadinessWatch(fault.cluster.processes);
    const killedAt = Date.now();
    await fault.cluster.redis.kill('SIGKILL');
    await waitUntil(() => watch.allDown(names), 'every Redis-backed process to report Redis down', 15_000);
    const allDownMs = Date.now() - killedAt;
    const restartedAt = Date.now();
    await fault.cluster.redis.restart();
    await waitUntil(() => watch.allBackUp(names), 'every process to be ready again', 30_000);
    await watch.stop();
    const readyMs = Math.max(...names.map((n) => watch.up.get(n)!)) - restartedAt;
    for (const name of names) expect(watch.down.get(name)?.reasons.join(',')).toMatch(/redis/);
    for (const name of edgeNames) expect(watch.down.has(name), `${name} went unready`).toBe(false);

    // Healed: publishing works again (retried until Redis answers), in a new epoch from offset 1.
    const after = new Publisher(publisherClient, room, { count: 10, intervalMs: 20, name: 'after' });
    await after.done;
    const firstAckMs = Math.min(...after.acks.map((a) => a.ackedAt)) - restartedAt;
    expect(expectAcksAre1toN([after])).toBe(10);
    const newEpoch = after.acks[0]!.epoch;
    expect(newEpoch).not.toBe(oldEpoch);
    expect(new Set(after.acks.map((a) => a.epoch))).toEqual(new Set([newEpoch]));

    // The connected client follows the new stream and is told that it restarted.
    await stayer.until(() => stayer.messages.length >= 20, 'the stayer to get the new epoch’s messages');
    expect(stayer.unrecovered.map((u) => u.reason)).toEqual(['epoch_changed']);
    expect(stayer.messages.map((m) => [m.epoch === oldEpoch ? 'old' : 'new', m.offset])).toEqual([
      ...Array.from({ length: 10 }, (_, i) => ['old', i + 1]),
      ...Array.from({ length: 10 }, (_, i) => ['new', i + 1]),
    ]);

    // The reconnecting client cannot recover across the loss: recovered:false, explicitly.
    const joinsBefore = returner.joins.length;
    await returner.client.connect();
    await returner.until(() => returner.joins.length > joinsBefore, 'the returner to rejoin');
    const rejoin = returner.joins.at(-1)!;
    expect(rejoin).toMatchObject({ rejoin: true, recovered: false, epoch: newEpoch });
    await returner.until(() => returner.unrecovered.length > 0, 'the unrecovered event');
    expect(returner.unrecovered[0]).toMatchObject({ room, reason: 'epoch_changed' });

    // And delivery works for both, from here on, exactly once.
    const more = new Publisher(publisherClient, room, { count: 5, intervalMs: 20, name: 'more' });
    await more.done;
    for (const s of [stayer, returner]) {
      await s.until(() => s.lastOffset === 15 && s.messages.at(-1)?.epoch === newEpoch, 'offset 15');
      const fresh = s.messages.filter((m) => m.epoch === newEpoch).map((m) => m.offset);
      expect(fresh).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }

    report('redis-server restart (empty)', {
      all_unready_after_ms: allDownMs,
      all_ready_after_restart_ms: readyMs,
      first_publish_acked_after_restart_ms: firstAckMs,
      publish_failed_attempts: after.failures.length,
    });
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 120_000);

  it('after the loss, the first messages of the new epoch reach every member even when deliveries cross', async () => {
    // Raw protocol members (no SDK): the edge promises every message once, in offset order.
    // With two routers, the deliveries of the first offsets of a room's NEW epoch can cross on
    // the bus; the edge must then wait for offset 1 (or read it from history), not skip it.
    const rooms = Array.from({ length: 120 }, (_, i) => `fault:epoch-${i}`);
    const members: TestSocket[] = [];
    const publishers: TestSocket[] = [];
    try {
      for (const url of fault.cluster.edgeUrls) {
        const member = await connectSocket(url, fault.cluster.token(`member-${members.length}`));
        for (const room of rooms) await member.call({ op: 'join', room });
        members.push(member);
        for (let i = 0; i < 2; i++) {
          publishers.push(await connectSocket(url, fault.cluster.token(`publisher-${publishers.length}`)));
        }
      }
      const perRoom = Array.from({ length: publishers.length }, (_, i) => i + 1).join(',');
      const problems: string[] = [];
      const rounds = 5;
      for (let round = 0; round < rounds; round++) {
        await fault.cluster.redis.restart();
        await fault.cluster.waitReady(30_000);
        const seen = members.map((m) => m.pushes('msg').length);
        // Four publishers (two per edge) publish to every room at once: offsets 1..4 of the
        // new epoch, appended by either router.
        const acks = await Promise.all(
          rooms.flatMap((room) =>
            publishers.map((p) => p.call({ op: 'publish', room, event: 'tick', data: { round } })),
          ),
        );
        expect([...new Set(acks.map((a) => a.offset))].sort().join(',')).toBe(perRoom);
        const expected = rooms.length * publishers.length;
        // Generous: all of them normally arrive within milliseconds.
        await waitUntil(
          () => members.every((m, i) => m.pushes('msg').length - seen[i]! >= expected),
          'every member to get the new epoch’s messages of every room',
          5_000,
        ).catch(() => {});
        for (const [i, member] of members.entries()) {
          const fresh = member.pushes('msg').slice(seen[i]!);
          for (const room of rooms) {
            const offsets = fresh.filter((f) => f.room === room).map((f) => f.offset);
            if (offsets.join(',') !== perRoom)
              problems.push(`round ${round}, member on edge-${i + 1}, ${room}: got [${offsets}]`);
          }
        }
      }
      report('redis restart: first messages of a new epoch', {
        room_epochs: rooms.length * rounds,
        members: members.length,
        rooms_with_missing_or_misordered_messages: problems.length,
      });
      expect(problems).toEqual([]);
    } finally {
      for (const s of [...members, ...publishers]) s.close();
    }
  }, 120_000);
});

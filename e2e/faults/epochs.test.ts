import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SwitchboardClient } from '@switchboard/client';
import { epochGeneration } from '@switchboard/protocol';
import { type ClusterProcess, connectSocket, type TestSocket } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';
import {
  type Ack,
  expectExactlyOnce,
  Publisher,
  readHistory,
  report,
  type Subscriber,
  sleep,
  traffic,
  useFaultCluster,
  waitUntil,
} from './helpers.js';

/**
 * Compound faults around a room's epoch (docs/architecture.md, "Epochs are ordered"): a router
 * stalled (SIGSTOP: a GC pause, a partition) across an empty Redis restart or a NATS restart,
 * and Redis lost while the edges catch up after a bus outage. Whatever happens, every SDK
 * subscriber sees offsets strictly increasing within an epoch, no (epoch, offset) twice, and
 * each epoch change reported once — never back to an older epoch — and no publish is
 * acknowledged in an epoch that was already replaced.
 */

// Requests stay pending at the edge longer than the stalls below: a stalled router's answer
// would still reach the client, which is what the fencing must prevent.
const fault = useFaultCluster({
  env: { SB_REQUEST_TIMEOUT_MS: '4000' },
  logs: ['redis', 'nats', 'edge-1', 'edge-2', 'router-1', 'router-2'],
});

const run = promisify(execFile);

/** Makes Redis hold every script (and write) for `ms`: appends sent meanwhile wait in Redis. */
async function pauseRedisWrites(ms: number): Promise<void> {
  await run('redis-cli', [...fault.cluster.redisCliArgs(), 'CLIENT', 'PAUSE', String(ms), 'WRITE']);
}

/** Runs `body` with `victim` stopped by SIGSTOP at `stop()`; it always gets SIGCONT again. */
async function withStall<T>(
  victim: ClusterProcess,
  body: (stall: { stop(): void; resume(): number }) => Promise<T>,
): Promise<T> {
  let stopped = false;
  const stall = {
    stop: () => {
      process.kill(victim.pid!, 'SIGSTOP');
      stopped = true;
    },
    resume: () => {
      if (stopped) process.kill(victim.pid!, 'SIGCONT');
      stopped = false;
      return Date.now();
    },
  };
  try {
    return await body(stall);
  } finally {
    stall.resume();
  }
}

/** Restarts redis-server EMPTY and waits until a router can use it again. */
async function restartRedisEmpty(router: ClusterProcess): Promise<number> {
  await fault.cluster.redis.kill('SIGKILL');
  await fault.cluster.redis.restart();
  await router.waitReady(15_000);
  return Date.now();
}

/**
 * What breaks "in order, once, forward only" in a member's stream: an offset not above the one
 * before within an epoch, an (epoch, offset) twice, a move to an older or an earlier epoch.
 */
function streamProblems(messages: ReadonlyArray<{ epoch: string; offset: number }>): {
  problems: string[];
  epochs: string[];
} {
  const problems: string[] = [];
  const seen = new Set<string>();
  const epochs: string[] = [];
  let last: { epoch: string; offset: number } | undefined;
  for (const m of messages) {
    const pair = `(${m.epoch}, ${m.offset})`;
    if (seen.has(pair)) problems.push(`${pair} twice`);
    seen.add(pair);
    if (last?.epoch === m.epoch && m.offset <= last.offset)
      problems.push(`${m.offset} after ${last.offset} in ${m.epoch}`);
    if (last?.epoch !== m.epoch) {
      if (epochs.includes(m.epoch)) problems.push(`back to epoch ${m.epoch}`);
      else if (last && epochGeneration(m.epoch) <= epochGeneration(last.epoch))
        problems.push(`moved from ${last.epoch} to the older ${m.epoch}`);
      epochs.push(m.epoch);
    }
    last = m;
  }
  // A readable summary rather than hundreds of lines.
  return {
    problems: problems.length > 10 ? [...problems.slice(0, 10), `…${problems.length} in all`] : problems,
    epochs,
  };
}

/**
 * The per-subscriber guarantee across epochs: the stream has no problem above, every epoch
 * change is reported exactly once (an `unrecovered` with reason `epoch_changed`), and joins
 * never report an older epoch.
 */
function expectOrderedAcrossEpochs(sub: Subscriber): void {
  const { problems, epochs } = streamProblems(sub.messages);
  const reported = sub.unrecovered.filter((u) => u.reason === 'epoch_changed').map((u) => u.position.epoch);
  if (new Set(reported).size !== reported.length)
    problems.push(`an epoch change reported twice: ${reported}`);
  for (let i = 1; i < reported.length; i++) {
    if (epochGeneration(reported[i]!) <= epochGeneration(reported[i - 1]!))
      problems.push(`reported a change back to ${reported[i]}`);
  }
  for (const epoch of epochs.slice(1)) {
    if (!reported.includes(epoch)) problems.push(`the change to ${epoch} was not reported`);
  }
  const joined = sub.joins.map((j) => j.epoch);
  for (let i = 1; i < joined.length; i++) {
    if (epochGeneration(joined[i]!) < epochGeneration(joined[i - 1]!))
      problems.push(`joined ${joined[i]} after ${joined[i - 1]}`);
  }
  expect(problems, `subscriber on ${sub.node}`).toEqual([]);
}

/** Every ack in `epoch` reached `sub` exactly once. */
function expectAckedDelivered(sub: Subscriber, acks: readonly Ack[], epoch: string): void {
  const got = sub.messages.filter((m) => m.epoch === epoch).map((m) => m.offset);
  const wanted = acks.filter((a) => a.epoch === epoch).map((a) => a.offset);
  const missing = wanted.filter((o) => !got.includes(o));
  expect({ missing, twice: got.length - new Set(got).size }).toEqual({ missing: [], twice: 0 });
}

/** How many publishes to `room` a router refused to publish because their epoch was replaced. */
async function fencedPublishes(router: string, room: string): Promise<number> {
  const log = await fault.cluster.logTail(router, 2_000);
  return log
    .split('\n')
    .filter((line) => line.includes('append to a replaced epoch not published') && line.includes(room))
    .length;
}

describe('epochs under compound faults', () => {
  it('router SIGSTOP across an empty Redis restart, quiet room: no stale publish, no stale ack', async () => {
    const room = 'fault:epoch-quiet';
    const subscribers: Subscriber[] = [];
    for (const url of [...fault.cluster.edgeUrls, undefined])
      subscribers.push(await fault.clients.joined(`sub-${subscribers.length}`, room, url));
    // Eight connections, so that some of the publishes in flight at the stall are router-1's
    // (each picks a router at random; a connection's publishes go one at a time).
    const publisherClients: SwitchboardClient[] = [];
    for (let i = 0; i < 8; i++) {
      const url = fault.cluster.edgeUrls[i % fault.cluster.edgeUrls.length];
      const client = fault.clients.make(`quiet-pub-${i}`, url);
      await client.connect();
      publisherClients.push(client);
    }
    const before = publisherClients
      .slice(0, 2)
      .map((c, i) => new Publisher(c, room, { count: 3, intervalMs: 10, name: `before${i}` }));
    await Promise.all(before.map((p) => p.done));
    const oldEpoch = before[0]!.acks[0]!.epoch;
    for (const s of subscribers) await s.until(() => s.lastOffset === 6, 'the first 6 messages');

    const victim = fault.cluster.process('router-1');
    const { stuck, restartedAt, resumedAt } = await withStall(victim, async (stall) => {
      // Appends reach Redis and wait there; router-1 stops before their answers come back.
      await pauseRedisWrites(1_200);
      // One turn apart: publishes of one turn share one coalesced request (one router), and
      // the fault needs some of them on router-1, each picked independently.
      const stuck: Publisher[] = [];
      for (const [i, c] of publisherClients.entries()) {
        stuck.push(new Publisher(c, room, { count: 1, intervalMs: 10, name: `stuck${i}` }));
        await sleep(5);
      }
      await sleep(260);
      stall.stop();
      await sleep(1_100); // the pause ends: Redis answers; router-2 publishes, router-1 cannot
      const restartedAt = await restartRedisEmpty(fault.cluster.process('router-2'));
      await sleep(300);
      return { stuck, restartedAt, resumedAt: stall.resume() };
    });
    await Promise.all(stuck.map((p) => p.done));
    const after = publisherClients
      .slice(0, 2)
      .map((c, i) => new Publisher(c, room, { count: 3, intervalMs: 10, name: `after${i}` }));
    await Promise.all(after.map((p) => p.done));

    const acks = [...before, ...stuck, ...after].flatMap((p) => p.acks);
    const newEpoch = after[0]!.acks[0]!.epoch;
    expect(epochGeneration(newEpoch)).toBeGreaterThan(epochGeneration(oldEpoch));
    // Fencing: nothing acknowledged in the wiped epoch once Redis had restarted.
    const staleAcks = acks.filter((a) => a.epoch === oldEpoch && a.ackedAt >= restartedAt);
    expect(staleAcks).toEqual([]);
    // Every publish acked once; the ones stranded in the old epoch were retried into the new one.
    const newAcks = acks.filter((a) => a.epoch === newEpoch).map((a) => a.offset);
    expect(new Set(newAcks).size).toBe(newAcks.length);
    for (const s of subscribers) {
      await s.until(
        () => s.messages.at(-1)?.epoch === newEpoch && s.lastOffset >= Math.max(...newAcks),
        'the new epoch',
      );
      expectOrderedAcrossEpochs(s);
      expectAckedDelivered(s, acks, newEpoch);
    }
    const history = await readHistory(fault.clients, room);
    expect(history.map((m) => m.offset)).toEqual(newAcks.sort((a, b) => a - b));
    const fenced = await fencedPublishes('router-1', room);
    // The fault really happened: router-1 held appends of the old epoch when it resumed.
    expect(fenced).toBeGreaterThan(0);
    report('router stalled across an empty redis restart (quiet room)', {
      stall_ms: resumedAt - restartedAt,
      stuck_publishes_retried: stuck.flatMap((p) => p.acks).filter((a) => a.attempts > 1).length,
      fenced_publishes: fenced,
      old_epoch_acks_after_restart: staleAcks.length,
    });
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 40_000);

  it('router SIGSTOP across an empty Redis restart, busy room: members never go back', async () => {
    const room = 'fault:epoch-busy';
    // Six connections (a connection's publishes go one at a time): several appends in flight
    // at the stall, about half of them router-1's.
    // Raw protocol members too (no SDK to deduplicate): the edge's own promise is checked.
    const members: TestSocket[] = [];
    for (const url of fault.cluster.edgeUrls) {
      const member = await connectSocket(url, fault.cluster.token(`raw-${members.length}`));
      await member.call({ op: 'join', room });
      members.push(member);
    }
    const { subscribers, publishers } = await traffic(fault, room, {
      publishers: 6,
      count: 50,
      intervalMs: 60,
    });
    await Promise.all(publishers.map((p) => p.untilAcked(10)));
    const oldEpoch = publishers[0]!.acks[0]!.epoch;

    const victim = fault.cluster.process('router-1');
    const { restartedAt, resumedAt } = await withStall(victim, async (stall) => {
      await pauseRedisWrites(800);
      await sleep(300);
      stall.stop();
      await sleep(700);
      const restartedAt = await restartRedisEmpty(fault.cluster.process('router-2'));
      // The new epoch is live (router-2 publishes into it) before the stalled router resumes.
      await waitUntil(
        () => publishers.some((p) => p.acks.some((a) => a.epoch !== oldEpoch)),
        'an ack in the new epoch',
        10_000,
      );
      await sleep(300);
      return { restartedAt, resumedAt: stall.resume() };
    });
    await Promise.all(publishers.map((p) => p.done));

    const acks = publishers.flatMap((p) => p.acks);
    const epochs = [...new Set(acks.map((a) => a.epoch))].sort(
      (a, b) => epochGeneration(a) - epochGeneration(b),
    );
    const newEpoch = epochs.at(-1)!;
    expect(epochs).toEqual([oldEpoch, newEpoch]);
    const staleAcks = acks.filter((a) => a.epoch === oldEpoch && a.ackedAt >= restartedAt);
    expect(staleAcks).toEqual([]);
    const newOffsets = acks.filter((a) => a.epoch === newEpoch).map((a) => a.offset);
    expect(new Set(newOffsets).size).toBe(newOffsets.length);
    const lastNew = Math.max(...newOffsets);
    let stale = 0;
    for (const s of subscribers) {
      await s.until(
        () => s.messages.at(-1)?.epoch === newEpoch && s.lastOffset >= lastNew,
        'the new epoch’s end',
      );
      expectOrderedAcrossEpochs(s);
      expectAckedDelivered(s, acks, newEpoch);
      stale += s.messages.filter((m) => m.epoch === oldEpoch).length;
    }
    for (const [i, member] of members.entries()) {
      const stream = member.pushes('msg').filter((m) => m.room === room);
      expect(streamProblems(stream).problems, `raw member on edge-${i + 1}`).toEqual([]);
      member.close();
    }
    // The new epoch's history holds each publish acked in it exactly once.
    const history = await readHistory(fault.clients, room);
    expect(history.map((m) => m.offset)).toEqual([...newOffsets].sort((a, b) => a - b));
    report('router stalled across an empty redis restart (busy room)', {
      messages: acks.length,
      new_epoch_messages: newOffsets.length,
      stall_ms: resumedAt - restartedAt,
      fenced_publishes: await fencedPublishes('router-1', room),
      failed_attempts: publishers.reduce((sum, p) => sum + p.failures.length, 0),
      old_epoch_messages_seen_by_subscribers: stale,
    });
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 40_000);

  it('NATS restart while a router is stalled: exactly once, in order, one epoch', async () => {
    const room = 'fault:epoch-nats-stall';
    const { subscribers, publishers } = await traffic(fault, room, {
      publishers: 2,
      count: 100,
      intervalMs: 30,
    });
    await Promise.all(publishers.map((p) => p.untilAcked(25)));
    const victim = fault.cluster.process('router-1');
    const others = fault.cluster.processes.filter((p) => p.name !== 'router-1');
    const { outageMs } = await withStall(victim, async (stall) => {
      stall.stop();
      const killedAt = Date.now();
      await fault.cluster.nats.kill('SIGKILL');
      await sleep(500);
      await fault.cluster.nats.restart();
      await waitUntil(
        async () => (await Promise.all(others.map((p) => p.readyz()))).every((r) => r.ready),
        'every other process back on the bus',
        20_000,
      );
      const outageMs = Date.now() - killedAt;
      await sleep(300);
      stall.resume();
      return { outageMs };
    });
    await victim.waitReady(20_000);
    const n = await expectExactlyOnce(fault, room, subscribers, publishers);
    for (const s of subscribers) expectOrderedAcrossEpochs(s);
    const acks = publishers.flatMap((p) => p.acks);
    report('nats restart while a router is stalled', {
      messages: n,
      outage_ms: outageMs,
      publishes_retried: acks.filter((a) => a.attempts > 1).length,
      duplicate_acks: acks.filter((a) => a.duplicate).length,
    });
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 40_000);

  it('Redis restarts empty while the edges catch up after a bus outage', async () => {
    const room = 'fault:epoch-catch-up';
    const { subscribers, publishers } = await traffic(fault, room, {
      publishers: 2,
      count: 120,
      intervalMs: 30,
    });
    await Promise.all(publishers.map((p) => p.untilAcked(25)));
    const oldEpoch = publishers[0]!.acks[0]!.epoch;

    // The bus goes away (edges miss deliveries), and Redis with it; when the bus is back, the
    // edges read what they missed from history — while Redis is still down, and then empty.
    await fault.cluster.nats.kill('SIGKILL');
    await fault.cluster.redis.kill('SIGKILL');
    await sleep(300);
    await fault.cluster.nats.restart();
    await waitUntil(
      async () => (await Promise.all(fault.cluster.edges.map((p) => p.readyz()))).every((r) => r.ready),
      'the edges back on the bus (catching up)',
      20_000,
    );
    await sleep(400); // catch-up reads fail meanwhile (no Redis) and are retried
    const restartedAt = Date.now();
    await fault.cluster.redis.restart();
    await Promise.all(publishers.map((p) => p.done));

    const acks = publishers.flatMap((p) => p.acks);
    const epochs = [...new Set(acks.map((a) => a.epoch))].sort(
      (a, b) => epochGeneration(a) - epochGeneration(b),
    );
    expect(epochs[0]).toBe(oldEpoch);
    expect(epochs).toHaveLength(2);
    const newEpoch = epochs[1]!;
    expect(acks.filter((a) => a.epoch === oldEpoch && a.ackedAt >= restartedAt)).toEqual([]);
    const newOffsets = acks.filter((a) => a.epoch === newEpoch).map((a) => a.offset);
    const lastNew = Math.max(...newOffsets);
    for (const s of subscribers) {
      await s.until(
        () => s.messages.at(-1)?.epoch === newEpoch && s.lastOffset >= lastNew,
        'the new epoch’s end',
      );
      expectOrderedAcrossEpochs(s);
      expectAckedDelivered(s, acks, newEpoch);
    }
    const skipped = (
      await Promise.all(['edge-1', 'edge-2'].map((name) => fault.cluster.logTail(name, 2_000)))
    )
      .join('\n')
      .split('\n')
      .filter((line) => line.includes('unrecoverable gap skipped') && line.includes(room)).length;
    report('redis restart during the edges’ catch-up', {
      messages: acks.length,
      new_epoch_messages: newOffsets.length,
      failed_attempts: publishers.reduce((sum, p) => sum + p.failures.length, 0),
      gaps_skipped_by_edges: skipped,
    });
    expect(fault.cluster.unexpectedExits()).toEqual([]);
  }, 40_000);
});

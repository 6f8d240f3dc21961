import type { MessagePush } from '@switchboard/protocol';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { connectSocket, startSwitchboard, type TestSocket, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The same suite on the embedded backends, on real NATS + Redis and on a Redis Cluster: all are products.
describe.each(['memory', 'nats+redis', 'nats+redis-cluster'] as const)('rooms (%s)', (backends) => {
  let sb: TestSwitchboard;
  const open: TestSocket[] = [];
  const connect = async (
    user: string,
    grants?: { join?: string[]; publish?: string[]; meta?: Record<string, string> },
  ) => {
    const socket = await connectSocket(sb.wsUrl, sb.token(user, grants));
    open.push(socket);
    return socket;
  };
  beforeAll(async () => {
    sb = await startSwitchboard({ backends, config: { historySize: 50, userPublishRate: 0 } });
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await sb.stop();
  });

  it('join, publish with ack, delivery to members only, leave', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');
    expect(await alice.call({ op: 'join', room: 'chat:1' })).toMatchObject({ room: 'chat:1', offset: 0 });
    await bob.call({ op: 'join', room: 'chat:1' });
    await carol.call({ op: 'join', room: 'chat:other' });
    const ack = await alice.call({ op: 'publish', room: 'chat:1', event: 'say', data: { text: 'hello' } });
    expect(ack).toMatchObject({ offset: 1, epoch: expect.any(String) });
    const got = await bob.push('msg');
    expect(got).toEqual({
      t: 'msg',
      room: 'chat:1',
      offset: 1,
      epoch: ack.epoch,
      event: 'say',
      data: { text: 'hello' },
      from: { user: 'alice', conn: expect.any(String) },
      ts: expect.any(Number),
    });
    await alice.push('msg');
    await bob.call({ op: 'leave', room: 'chat:1' });
    await alice.call({ op: 'publish', room: 'chat:1', event: 'say', data: 2 });
    await alice.push('msg', (m) => m.offset === 2);
    await bob.call({ op: 'ping' });
    expect(bob.pushes('msg')).toHaveLength(1);
    expect(carol.pushes('msg')).toHaveLength(0);
    expect((await bob.request({ op: 'leave', room: 'chat:1' })).error?.code).toBe(ErrorCode.NotJoined);
    expect((await alice.request({ op: 'join', room: 'chat:1' })).error?.code).toBe(ErrorCode.AlreadyJoined);
  });

  it('delivers every message to every member in offset order, with no gaps', async () => {
    const publishers = [await connect('p1'), await connect('p2')];
    const members = [await connect('m1'), await connect('m2'), await connect('m3')];
    for (const m of members) await m.call({ op: 'join', room: 'order' });
    const perPublisher = 40;
    await Promise.all(
      publishers.map((p, i) =>
        Promise.all(
          Array.from({ length: perPublisher }, (_, n) =>
            p.call({ op: 'publish', room: 'order', event: 'n', data: { p: i, n } }),
          ),
        ),
      ),
    );
    const total = perPublisher * publishers.length;
    for (const m of members) {
      await m.push('msg', (x) => x.offset === total);
      const offsets = m.pushes('msg').map((x) => x.offset);
      expect(offsets).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      // A sender's messages keep their order too.
      for (const p of [0, 1]) {
        const ns = m
          .pushes('msg')
          .filter((x) => (x.data as { p: number }).p === p)
          .map((x) => (x.data as { n: number }).n);
        expect(ns).toEqual(Array.from({ length: perPublisher }, (_, i) => i));
      }
    }
  });

  it('acknowledges a retried publish with the same key without repeating it', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    await bob.call({ op: 'join', room: 'idem' });
    const first = await alice.call({ op: 'publish', room: 'idem', event: 'e', data: 1, key: 'k-1' });
    const again = await alice.call({ op: 'publish', room: 'idem', event: 'e', data: 1, key: 'k-1' });
    expect(again).toEqual({ offset: first.offset, epoch: first.epoch, duplicate: true });
    const other = await alice.call({ op: 'publish', room: 'idem', event: 'e', data: 2, key: 'k-2' });
    await bob.push('msg', (m) => m.offset === other.offset);
    expect(bob.pushes('msg').map((m) => m.offset)).toEqual([first.offset, other.offset]);
    // Keys are per user: bob's k-1 is a different message.
    expect(
      (await bob.call({ op: 'publish', room: 'idem', event: 'e', data: 3, key: 'k-1' })).duplicate,
    ).toBeUndefined();
  });

  it('enforces grants from the token, including {user} rooms', async () => {
    const reader = await connect('dave', { join: ['news:*', 'dm:{user}'], publish: ['dm:{user}'] });
    expect((await reader.request({ op: 'join', room: 'chat:1' })).error?.code).toBe(ErrorCode.Forbidden);
    expect((await reader.request({ op: 'join', room: 'dm:erin' })).error?.code).toBe(ErrorCode.Forbidden);
    expect((await reader.request({ op: 'join', room: 'dm:dave' })).result?.room).toBe('dm:dave');
    await reader.call({ op: 'join', room: 'news:today' });
    expect((await reader.request({ op: 'publish', room: 'news:today', event: 'e' })).error?.code).toBe(
      ErrorCode.Forbidden,
    );
    expect((await reader.request({ op: 'history', room: 'chat:1' })).error?.code).toBe(ErrorCode.Forbidden);
    expect((await reader.request({ op: 'presence', room: 'chat:1' })).error?.code).toBe(ErrorCode.Forbidden);
    expect((await reader.request({ op: 'publish', room: 'dm:dave', event: 'note' })).result?.offset).toBe(1);
  });

  it('pushes presence diffs, handles one user on several connections, and cleans up on close', async () => {
    const watcher = await connect('watcher', { meta: { name: 'Watcher' } });
    await watcher.call({ op: 'join', room: 'lobby' });
    const phone = await connect('frank', { meta: { name: 'Frank' } });
    const laptop = await connect('frank', { meta: { name: 'Frank' } });
    await phone.call({ op: 'join', room: 'lobby' });
    await laptop.call({ op: 'join', room: 'lobby' });
    // Joins of one moment may share a push (docs/protocol.md): count entries, not pushes.
    const frankJoins = () =>
      watcher.pushes('presence').flatMap((p) => (p.joins ?? []).filter((m) => m.user === 'frank'));
    await vi.waitFor(() => expect(frankJoins()).toHaveLength(2), { timeout: 5_000 });
    expect(frankJoins().map((m) => m.meta)).toEqual([{ name: 'Frank' }, { name: 'Frank' }]);
    expect(new Set(frankJoins().map((m) => m.conn)).size).toBe(2);
    const { members } = await watcher.call({ op: 'presence', room: 'lobby' });
    expect(members.filter((m) => m.user === 'frank')).toHaveLength(2);
    // Nothing sensitive: only user, connection id and public meta.
    for (const m of members) expect(Object.keys(m).sort()).toEqual(['conn', 'meta', 'user']);
    await laptop.call({ op: 'leave', room: 'lobby' });
    const left = await watcher.push('presence', (p) => p.leaves !== undefined);
    expect(left.leaves?.[0]?.user).toBe('frank');
    phone.close();
    await watcher.push('presence', (p) => p.leaves !== undefined);
    const after = await watcher.call({ op: 'presence', room: 'lobby' });
    expect(after.members.map((m) => m.user)).toEqual(['watcher']);
  });

  it('recovers exactly the missed messages after a dropped connection', async () => {
    const publisher = await connect('pub');
    let reader = await connect('reader');
    await reader.call({ op: 'join', room: 'recover' });
    for (let i = 1; i <= 5; i++)
      await publisher.call({ op: 'publish', room: 'recover', event: 'n', data: i });
    const seen = await reader.push('msg', (m) => m.offset === 5);
    reader.ws.terminate();
    for (let i = 6; i <= 15; i++)
      await publisher.call({ op: 'publish', room: 'recover', event: 'n', data: i });
    reader = await connect('reader');
    const rejoin = await reader.call({
      op: 'join',
      room: 'recover',
      since: { offset: 5, epoch: seen.epoch },
    });
    expect(rejoin.recovered).toBe(true);
    expect(rejoin.messages?.map((m) => m.data)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(rejoin.offset).toBe(15);
    await publisher.call({ op: 'publish', room: 'recover', event: 'n', data: 16 });
    const live = await reader.push('msg');
    expect(live.data).toBe(16);
    expect(reader.pushes('msg').map((m) => m.offset)).toEqual([16]);
  });

  it('says recovered: false when the gap is beyond the history window or the epoch is unknown', async () => {
    const publisher = await connect('pub');
    for (let i = 1; i <= 60; i++)
      await publisher.call({ op: 'publish', room: 'window', event: 'n', data: i });
    const reader = await connect('reader');
    const first = await reader.call({ op: 'history', room: 'window', limit: 1 });
    const tooOld = await reader.call({
      op: 'join',
      room: 'window',
      since: { offset: 2, epoch: first.epoch },
    });
    expect(tooOld).toMatchObject({ recovered: false, offset: 60 });
    expect(tooOld.messages).toBeUndefined();
    await reader.call({ op: 'leave', room: 'window' });
    const otherEpoch = await reader.call({
      op: 'join',
      room: 'window',
      since: { offset: 59, epoch: 'gone' },
    });
    expect(otherEpoch).toMatchObject({ recovered: false, epoch: first.epoch });
  });

  it('answers history forwards, backwards and from a position', async () => {
    const alice = await connect('alice');
    for (let i = 1; i <= 5; i++) await alice.call({ op: 'publish', room: 'hist', event: 'n', data: i });
    const all = await alice.call({ op: 'history', room: 'hist' });
    expect(all.messages.map((m: MessagePush) => m.offset)).toEqual([1, 2, 3, 4, 5]);
    const newest = await alice.call({ op: 'history', room: 'hist', limit: 2, reverse: true });
    expect(newest.messages.map((m: MessagePush) => m.offset)).toEqual([5, 4]);
    const after = await alice.call({ op: 'history', room: 'hist', since: { offset: 3, epoch: all.epoch } });
    expect(after.messages.map((m: MessagePush) => m.offset)).toEqual([4, 5]);
  });

  it('keeps live members in presence past the TTL: edges refresh their entries', async () => {
    const short = await startSwitchboard({ backends, config: { presenceTtlMs: 1_000 } });
    try {
      const stayer = await connectSocket(short.wsUrl, short.token('stayer'));
      const watcher = await connectSocket(short.wsUrl, short.token('watcher'));
      await stayer.call({ op: 'join', room: 'long-stay' });
      await watcher.call({ op: 'join', room: 'long-stay' });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const { members } = await watcher.call({ op: 'presence', room: 'long-stay' });
      expect(members.map((m) => m.user).sort()).toEqual(['stayer', 'watcher']);
      expect(watcher.pushes('presence').filter((p) => p.leaves !== undefined)).toEqual([]);
      stayer.close();
      watcher.close();
    } finally {
      await short.stop();
    }
  });

  it('limits rooms per connection', async () => {
    const limited = await startSwitchboard({ backends, config: { maxRoomsPerConnection: 2 } });
    try {
      const socket = await connectSocket(limited.wsUrl, limited.token('x'));
      await socket.call({ op: 'join', room: 'a' });
      await socket.call({ op: 'join', room: 'b' });
      expect((await socket.request({ op: 'join', room: 'c' })).error?.code).toBe(ErrorCode.TooManyRooms);
      socket.close();
    } finally {
      await limited.stop();
    }
  });

  it('tells clients to reconnect when draining and turns unready', async () => {
    const draining = await startSwitchboard({ backends });
    const socket = await connectSocket(draining.wsUrl, draining.token('x'));
    const drained = draining.drain(200);
    const ready = await fetch(`${draining.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    const notice = await socket.push('disconnect');
    expect(notice).toMatchObject({ code: CloseCode.Shutdown, reconnect: true });
    expect((await socket.closed).code).toBe(CloseCode.Shutdown);
    await drained;
    await draining.stop();
  });
});

import {
  type BusMessage,
  decodeJson,
  decodeText,
  encodeJson,
  MemoryBus,
  MemoryBusHub,
  RpcClient,
  Subjects,
} from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';
import { MemoryPresenceStore } from '@switchboard/stores';
import { silentLogger } from '@switchboard/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PresenceRpc } from './rpc.js';
import { startPresenceService } from './service.js';

const reader = { user: 'alice', grants: { join: ['chat:*'], publish: [] } };

function setup() {
  const bus = new MemoryBus(new MemoryBusHub());
  const store = new MemoryPresenceStore({ ttlMs: 60_000 });
  const presence = startPresenceService({
    bus,
    store,
    options: { rooms: ['chat:*'], diffRooms: ['chat:*'], diffMaxMembers: 100, sweepIntervalMs: 60_000 },
    log: silentLogger(),
  });
  const rpc = new RpcClient(bus, 1_000);
  const raw = async (subject: string, body: unknown) =>
    decodeJson((await bus.request(subject, encodeJson(body), { timeoutMs: 1_000 })).data);
  const frames = (room: string) => {
    const messages: BusMessage[] = [];
    bus.subscribe(Subjects.room(room), (msg) => messages.push(msg));
    return () => messages.map((m) => JSON.parse(decodeText(m.data)));
  };
  return { bus, rpc, raw, frames, stop: () => presence.stop() };
}

describe('presence service', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });
  afterEach(() => env.stop());

  describe(PresenceRpc.join.subject, () => {
    it('adds the member to a tracked room and announces the join once', async () => {
      const frames = env.frames('chat:lobby');
      const entry = { room: 'chat:lobby', conn: 'c1', user: 'alice', meta: { name: 'A' } };
      expect(await env.rpc.call(PresenceRpc.join, entry)).toEqual({ tracked: true });
      expect(await env.rpc.call(PresenceRpc.join, entry)).toEqual({ tracked: true });
      expect(frames()).toEqual([
        { t: 'presence', room: 'chat:lobby', joins: [{ user: 'alice', conn: 'c1', meta: { name: 'A' } }] },
      ]);
    });

    it('coalesces joins of one moment into one push, in order, and keeps a later leave separate', async () => {
      const frames = env.frames('chat:lobby');
      await Promise.all([
        env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn: 'c1', user: 'alice' }),
        env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn: 'c2', user: 'bob' }),
      ]);
      await env.rpc.call(PresenceRpc.leave, { room: 'chat:lobby', conn: 'c1' });
      expect(frames()).toEqual([
        {
          t: 'presence',
          room: 'chat:lobby',
          joins: [
            { user: 'alice', conn: 'c1' },
            { user: 'bob', conn: 'c2' },
          ],
        },
        { t: 'presence', room: 'chat:lobby', leaves: [{ user: 'alice', conn: 'c1' }] },
      ]);
    });

    it('answers tracked: false for a room without presence', async () => {
      expect(await env.rpc.call(PresenceRpc.join, { room: 'news', conn: 'c1', user: 'alice' })).toEqual({
        tracked: false,
      });
    });

    it('answers BadRequest for a bad room name or an empty conn', async () => {
      expect(await env.raw(PresenceRpc.join.subject, { room: 'a b', conn: 'c1', user: 'u' })).toMatchObject({
        error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/^"room" must be 1–128/) },
      });
      expect(await env.raw(PresenceRpc.join.subject, { room: 'chat:x', conn: '', user: 'u' })).toMatchObject({
        error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/^"conn" /) },
      });
    });
  });

  describe(PresenceRpc.leave.subject, () => {
    it('removes the member and announces the leave; leaving again is a no-op', async () => {
      const frames = env.frames('chat:lobby');
      await env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn: 'c1', user: 'alice' });
      expect(await env.rpc.call(PresenceRpc.leave, { room: 'chat:lobby', conn: 'c1' })).toEqual({});
      expect(await env.rpc.call(PresenceRpc.leave, { room: 'chat:lobby', conn: 'c1' })).toEqual({});
      // The join's push (not awaited by the join) still goes out before the leave's.
      expect(frames()).toEqual([
        { t: 'presence', room: 'chat:lobby', joins: [{ user: 'alice', conn: 'c1' }] },
        { t: 'presence', room: 'chat:lobby', leaves: [{ user: 'alice', conn: 'c1' }] },
      ]);
    });
  });

  describe('a connect/disconnect storm', () => {
    it('answers joins without waiting for their push, which a storm holds for a wider window', async () => {
      const frames = env.frames('chat:lobby');
      const join = (conn: string) => env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn, user: conn });
      const storm = (from: number) => Promise.all(Array.from({ length: 20 }, (_, i) => join(`c${from + i}`)));
      // Two storms of 20 joins: each push holds 16+ changes, so the window grows to 80 ms.
      await storm(0);
      await vi.waitFor(() => expect(frames()).toHaveLength(1));
      await storm(20);
      await vi.waitFor(() => expect(frames()).toHaveLength(2));
      // A join now is answered at once; its push waits for the window.
      expect(await join('late')).toEqual({ tracked: true });
      expect(frames()).toHaveLength(2);
      await vi.waitFor(() => expect(frames()).toHaveLength(3));
      expect(frames()[2]).toEqual({
        t: 'presence',
        room: 'chat:lobby',
        joins: [{ user: 'late', conn: 'late' }],
      });
    });

    it('sends the joins, then the leaves, of one turn as one bus request each (coalesced)', async () => {
      const requests: string[] = [];
      for (const subject of [PresenceRpc.join.subject, PresenceRpc.leave.subject])
        env.bus.subscribe(subject, (msg) => requests.push(msg.subject));
      const conns = Array.from({ length: 20 }, (_, i) => `c${i}`);
      const joined = await Promise.all(
        conns.map((conn) => env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn, user: conn })),
      );
      expect(joined).toEqual(conns.map(() => ({ tracked: true })));
      expect(await env.rpc.call(PresenceRpc.count, { room: 'chat:lobby' })).toMatchObject({
        connections: 20,
      });
      await Promise.all(conns.map((conn) => env.rpc.call(PresenceRpc.leave, { room: 'chat:lobby', conn })));
      expect(await env.rpc.call(PresenceRpc.count, { room: 'chat:lobby' })).toMatchObject({ connections: 0 });
      expect(requests).toEqual([PresenceRpc.join.subject, PresenceRpc.leave.subject]);
    });
  });

  describe(PresenceRpc.refresh.subject, () => {
    it('re-adds entries of tracked rooms only', async () => {
      await env.rpc.call(PresenceRpc.refresh, {
        entries: [
          { room: 'chat:a', conn: 'c1', user: 'alice' },
          { room: 'news', conn: 'c2', user: 'bob' },
        ],
      });
      expect(await env.rpc.call(PresenceRpc.count, { room: 'chat:a' })).toEqual({
        connections: 1,
        users: 1,
        tracked: true,
      });
      expect(await env.rpc.call(PresenceRpc.rooms, {})).toEqual({
        rooms: [{ room: 'chat:a', connections: 1, users: 1 }],
      });
    });

    it('answers BadRequest for more than 1000 entries', async () => {
      const entries = Array.from({ length: 1001 }, (_, i) => ({ room: 'chat:a', conn: `c${i}`, user: 'u' }));
      expect(await env.raw(PresenceRpc.refresh.subject, { entries })).toMatchObject({
        error: { code: ErrorCode.BadRequest },
      });
    });
  });

  describe(PresenceRpc.list.subject, () => {
    it('lists the members for a requester allowed to join', async () => {
      await env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn: 'c1', user: 'bob', meta: { n: 1 } });
      expect(await env.rpc.call(PresenceRpc.list, { room: 'chat:lobby', ...reader })).toEqual({
        members: [{ user: 'bob', conn: 'c1', meta: { n: 1 } }],
      });
    });

    it('answers BadRequest for a room without presence', async () => {
      await expect(env.rpc.call(PresenceRpc.list, { room: 'news' })).rejects.toMatchObject({
        errorCode: ErrorCode.BadRequest,
        message: 'presence is off for room "news"',
      });
    });
  });

  describe(PresenceRpc.count.subject, () => {
    it('counts connections and distinct users; tracked: false without presence', async () => {
      await env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn: 'c1', user: 'alice' });
      await env.rpc.call(PresenceRpc.join, { room: 'chat:lobby', conn: 'c2', user: 'alice' });
      expect(await env.rpc.call(PresenceRpc.count, { room: 'chat:lobby' })).toEqual({
        connections: 2,
        users: 1,
        tracked: true,
      });
      expect(await env.rpc.call(PresenceRpc.count, { room: 'news' })).toEqual({
        connections: 0,
        users: 0,
        tracked: false,
      });
    });
  });

  describe(PresenceRpc.rooms.subject, () => {
    it('pages rooms in name order with a cursor', async () => {
      for (const room of ['chat:c', 'chat:a', 'chat:b']) {
        await env.rpc.call(PresenceRpc.join, { room, conn: `c-${room}`, user: 'u' });
      }
      const first = await env.rpc.call(PresenceRpc.rooms, { limit: 2 });
      expect(first.rooms.map((r) => r.room)).toEqual(['chat:a', 'chat:b']);
      expect(first.nextCursor).toBe('chat:b');
      const second = await env.rpc.call(PresenceRpc.rooms, { limit: 2, cursor: 'chat:b' });
      expect(second).toEqual({ rooms: [{ room: 'chat:c', connections: 1, users: 1 }] });
    });

    it('answers BadRequest for a limit out of range', async () => {
      expect(await env.raw(PresenceRpc.rooms.subject, { limit: 1001 })).toMatchObject({
        error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/^"limit" /) },
      });
    });
  });
});

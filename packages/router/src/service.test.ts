import {
  type BusMessage,
  DeliveryHeaders,
  decodeJson,
  decodeText,
  encodeJson,
  MemoryBus,
  MemoryBusHub,
  RpcClient,
  Subjects,
} from '@switchboard/bus';
import { ErrorCode, epochGeneration } from '@switchboard/protocol';
import { type AppendOptions, type HistoryStore, MemoryHistoryStore } from '@switchboard/stores';
import { silentLogger } from '@switchboard/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouterRpc } from './rpc.js';
import { type RouterOptions, startRouterService } from './service.js';

const alice = { user: 'alice', grants: { join: ['chat:*'], publish: ['chat:lobby'] } };

function setup(options: Partial<RouterOptions> = {}) {
  const hub = new MemoryBusHub();
  const bus = new MemoryBus(hub);
  const history = new MemoryHistoryStore({
    size: 10,
    ttlMs: 60_000,
    metaTtlMs: 60_000,
    idempotencyTtlMs: 60_000,
    maxRooms: 100,
  });
  const router = startRouterService({
    bus,
    history,
    options: { historySize: 10, userPublishRate: 0, userPublishBurst: 0, lifecycleEvents: [], ...options },
    log: silentLogger(),
  });
  const rpc = new RpcClient(bus, 1_000);
  /** A request whose body the types would refuse, as another process could send it. */
  const raw = async (subject: string, body: unknown) =>
    decodeJson((await bus.request(subject, encodeJson(body), { timeoutMs: 1_000 })).data);
  const received = (subject: string): BusMessage[] => {
    const messages: BusMessage[] = [];
    bus.subscribe(subject, (msg) => messages.push(msg));
    return messages;
  };
  return { bus, rpc, raw, received, stop: () => router.stop() };
}

describe('router service', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });
  afterEach(() => env.stop());

  describe(RouterRpc.publish.subject, () => {
    const publish = { ...alice, conn: 'c1', room: 'chat:lobby', event: 'say', data: { text: 'hi' } };

    it('appends the message, answers its offset and delivers one frame to the room', async () => {
      const deliveries = env.received(Subjects.room('chat:lobby'));
      const first = await env.rpc.call(RouterRpc.publish, publish);
      const second = await env.rpc.call(RouterRpc.publish, publish);
      expect(first).toEqual({ offset: 1, epoch: expect.any(String) });
      expect(second).toEqual({ offset: 2, epoch: first.epoch });
      expect(deliveries).toHaveLength(2);
      expect(JSON.parse(decodeText(deliveries[0]!.data))).toMatchObject({
        t: 'msg',
        room: 'chat:lobby',
        offset: 1,
        event: 'say',
        data: { text: 'hi' },
        from: { user: 'alice', conn: 'c1' },
      });
    });

    it('answers BadRequest, naming the field, for a body that does not match', async () => {
      expect(await env.raw(RouterRpc.publish.subject, { ...publish, room: 'no spaces' })).toEqual({
        error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/^"room" must be 1–128/) },
      });
      expect(await env.raw(RouterRpc.publish.subject, { ...publish, user: '' })).toMatchObject({
        error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/^"user" /) },
      });
    });

    it('answers BadRequest for a body that is not JSON', async () => {
      const reply = await env.bus.request(RouterRpc.publish.subject, new TextEncoder().encode('{'), {
        timeoutMs: 1_000,
      });
      expect(decodeJson(reply.data)).toEqual({
        error: { code: ErrorCode.BadRequest, message: 'request body is not JSON' },
      });
    });

    it('answers a repeated idempotency key with the first offset, marked duplicate, and delivers once', async () => {
      const deliveries = env.received(Subjects.room('chat:lobby'));
      const first = await env.rpc.call(RouterRpc.publish, { ...publish, key: 'k1' });
      const again = await env.rpc.call(RouterRpc.publish, { ...publish, key: 'k1' });
      expect(again).toEqual({ offset: first.offset, epoch: first.epoch, duplicate: true });
      expect(deliveries).toHaveLength(1);
    });

    it('scopes idempotency keys per user unambiguously (user "pat" + "x:k1" ≠ user "pat:x" + "k1")', async () => {
      const deliveries = env.received(Subjects.room('chat:lobby'));
      const first = await env.rpc.call(RouterRpc.publish, { ...publish, user: 'pat', key: 'x:k1' });
      const second = await env.rpc.call(RouterRpc.publish, { ...publish, user: 'pat:x', key: 'k1' });
      expect(second.duplicate).toBeUndefined();
      expect(second.offset).toBe(first.offset + 1);
      expect(deliveries).toHaveLength(2);
    });

    it('rate limits a user across calls (RateLimited with retryAfterMs)', async () => {
      env.stop();
      env = setup({ userPublishRate: 1, userPublishBurst: 1 });
      await env.rpc.call(RouterRpc.publish, publish);
      await expect(env.rpc.call(RouterRpc.publish, publish)).rejects.toMatchObject({
        errorCode: ErrorCode.RateLimited,
        retryAfterMs: expect.any(Number),
      });
    });

    it('neither stores nor delivers a refused publish, and limits nothing at rate 0', async () => {
      env.stop();
      env = setup({ userPublishRate: 1, userPublishBurst: 2 });
      const deliveries = env.received(Subjects.room('chat:lobby'));
      const first = await env.rpc.call(RouterRpc.publish, { ...publish, key: 'k1' });
      // A retry of an accepted publish is a duplicate, and still takes its token.
      expect(await env.rpc.call(RouterRpc.publish, { ...publish, key: 'k1' })).toEqual({
        ...first,
        duplicate: true,
      });
      const refused = env.rpc.call(RouterRpc.publish, { ...publish, key: 'k2' });
      await expect(refused).rejects.toMatchObject({
        errorCode: ErrorCode.RateLimited,
        message: 'publish rate limit reached',
      });
      await expect(refused).rejects.toHaveProperty('retryAfterMs', expect.any(Number));
      // Another user has a bucket of its own.
      const other = await env.rpc.call(RouterRpc.publish, { ...publish, user: 'bob', key: 'k2' });
      expect(other.offset).toBe(2);
      expect(await env.rpc.call(RouterRpc.history, { ...alice, room: 'chat:lobby' })).toMatchObject({
        offset: 2,
        messages: [expect.stringContaining('"offset":1'), expect.stringContaining('"offset":2')],
      });
      expect(deliveries).toHaveLength(2);

      env.stop();
      env = setup({ userPublishRate: 0, userPublishBurst: 0 });
      for (let i = 1; i <= 20; i++) expect((await env.rpc.call(RouterRpc.publish, publish)).offset).toBe(i);
    });
  });

  describe(RouterRpc.join.subject, () => {
    const publish = { ...alice, conn: 'c1', room: 'chat:lobby', event: 'say', data: 1 };

    it("answers the room's position", async () => {
      const { epoch } = await env.rpc.call(RouterRpc.publish, publish);
      expect(await env.rpc.call(RouterRpc.join, { ...alice, room: 'chat:lobby' })).toEqual({
        room: 'chat:lobby',
        offset: 1,
        epoch,
      });
    });

    it('recovers the missed messages after `since`, as client frames', async () => {
      const { epoch } = await env.rpc.call(RouterRpc.publish, publish);
      await env.rpc.call(RouterRpc.publish, { ...publish, data: 2 });
      const joined = await env.rpc.call(RouterRpc.join, {
        ...alice,
        room: 'chat:lobby',
        since: { offset: 1, epoch },
      });
      expect(joined).toMatchObject({ offset: 2, recovered: true });
      expect(joined.messages?.map((m) => JSON.parse(m))).toEqual([
        expect.objectContaining({ t: 'msg', offset: 2, data: 2 }),
      ]);
    });

    it('does not recover across epochs', async () => {
      await env.rpc.call(RouterRpc.publish, publish);
      const joined = await env.rpc.call(RouterRpc.join, {
        ...alice,
        room: 'chat:lobby',
        since: { offset: 0, epoch: 'another' },
      });
      expect(joined).toMatchObject({ recovered: false });
      expect(joined.messages).toBeUndefined();
    });
  });

  describe(RouterRpc.history.subject, () => {
    it('answers a page of stored frames, newest first when asked', async () => {
      for (const data of [1, 2, 3]) {
        await env.rpc.call(RouterRpc.publish, { ...alice, conn: 'c', room: 'chat:lobby', event: 'e', data });
      }
      const page = await env.rpc.call(RouterRpc.history, {
        ...alice,
        room: 'chat:lobby',
        limit: 2,
        reverse: true,
      });
      expect(page.offset).toBe(3);
      expect(page.messages.map((m) => JSON.parse(m).data)).toEqual([3, 2]);
    });

    it('answers BadRequest for a limit out of range', async () => {
      expect(
        await env.raw(RouterRpc.history.subject, { ...alice, room: 'chat:lobby', limit: 0 }),
      ).toMatchObject({
        error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/^"limit" /) },
      });
    });
  });

  describe(RouterRpc.apiPublish.subject, () => {
    it('publishes without grants, from @server unless `from` is given', async () => {
      const deliveries = env.received(Subjects.room('news'));
      expect(await env.rpc.call(RouterRpc.apiPublish, { room: 'news', event: 'e' })).toEqual({
        offset: 1,
        epoch: expect.any(String),
      });
      await env.rpc.call(RouterRpc.apiPublish, { room: 'news', event: 'e', data: 2, from: 'bot' });
      expect(deliveries.map((d) => JSON.parse(decodeText(d.data)).from)).toEqual([
        { user: '@server', conn: '' },
        { user: 'bot', conn: '' },
      ]);
    });

    it('answers BadRequest for an empty event', async () => {
      expect(await env.raw(RouterRpc.apiPublish.subject, { room: 'news', event: '' })).toEqual({
        error: { code: ErrorCode.BadRequest, message: '"event" must not be empty' },
      });
    });
  });

  describe(RouterRpc.apiUser.subject, () => {
    it("delivers a user frame to the user's subject", async () => {
      const deliveries = env.received(Subjects.user('bob'));
      expect(await env.rpc.call(RouterRpc.apiUser, { user: 'bob', event: 'ping', data: { n: 1 } })).toEqual(
        {},
      );
      expect(deliveries).toHaveLength(1);
      expect(JSON.parse(decodeText(deliveries[0]!.data))).toMatchObject({
        t: 'user',
        event: 'ping',
        data: { n: 1 },
      });
    });
  });
});

describe('router service: epoch fencing', () => {
  const publish = { ...alice, conn: 'c1', room: 'chat:lobby', event: 'say', data: { text: 'hi' }, key: 'k1' };

  /** A history store whose next append answers late, after the room's stream was lost meanwhile. */
  function stallingHistory() {
    const inner = new MemoryHistoryStore({
      size: 10,
      ttlMs: 60_000,
      metaTtlMs: 60_000,
      idempotencyTtlMs: 60_000,
      maxRooms: 100,
    });
    const control = { stall: false, wipe: false };
    // One signature for both of `append`'s overloads: it answers what the inner store does.
    const append = async (room: string, payload: string, options?: AppendOptions) => {
      const result = await inner.append(room, payload, options);
      if (control.stall) {
        control.stall = false;
        await new Promise((resolve) => setTimeout(resolve, 60));
        if (control.wipe) await inner.close(); // the store restarted empty during the stall
      }
      return result;
    };
    const history: HistoryStore = {
      append: append as HistoryStore['append'],
      read: (room, options) => inner.read(room, options),
      close: () => inner.close(),
    };
    return { history, control };
  }

  function start(history: HistoryStore) {
    const bus = new MemoryBus(new MemoryBusHub());
    const router = startRouterService({
      bus,
      history,
      options: {
        historySize: 10,
        userPublishRate: 0,
        userPublishBurst: 0,
        lifecycleEvents: [],
        epochRecheckAfterMs: 30,
      },
      log: silentLogger(),
    });
    const deliveries: BusMessage[] = [];
    bus.subscribe(Subjects.room('chat:lobby'), (msg) => deliveries.push(msg));
    return { rpc: new RpcClient(bus, 1_000), deliveries, stop: () => router.stop() };
  }

  it('drops an append whose epoch was replaced before it could be published; the retry lands in the new one', async () => {
    const { history, control } = stallingHistory();
    const env = start(history);
    const first = await env.rpc.call(RouterRpc.publish, { ...publish, key: 'k0' });
    control.stall = true;
    control.wipe = true;
    await expect(env.rpc.call(RouterRpc.publish, publish)).rejects.toMatchObject({
      errorCode: ErrorCode.Unavailable,
    });
    const retried = await env.rpc.call(RouterRpc.publish, publish);
    expect(retried.offset).toBe(1);
    expect(epochGeneration(retried.epoch)).toBeGreaterThan(epochGeneration(first.epoch));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The stale append was never delivered: one frame in the old epoch, one in the new.
    expect(env.deliveries.map((d) => d.headers?.[DeliveryHeaders.epoch])).toEqual([
      first.epoch,
      retried.epoch,
    ]);
    env.stop();
  });

  it('publishes a slow append whose epoch is still current', async () => {
    const { history, control } = stallingHistory();
    const env = start(history);
    control.stall = true;
    const reply = await env.rpc.call(RouterRpc.publish, publish);
    expect(reply.offset).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(env.deliveries).toHaveLength(1);
    env.stop();
  });
});

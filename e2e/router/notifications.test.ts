import {
  type Bus,
  type BusMessage,
  decodeJson,
  encodeJson,
  encodeText,
  LIFECYCLE_KINDS,
  Subjects,
} from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';
import {
  type BackendKind,
  connectSocket,
  startSwitchboard,
  type TestSwitchboard,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Internal services talk to Switchboard over the bus: the same tests on both backends.
describe.each(['memory', 'nats+redis'] as const)('internal services over the bus (%s)', (backends) => {
  const ctx = useSwitchboardBus(backends);

  const request = async (subject: string, body: unknown) =>
    decodeJson((await ctx.service.request(subject, encodeJson(body), { timeoutMs: 3000 })).data) as {
      result?: { offset: number; epoch: string; duplicate?: boolean };
      error?: { code: number; message: string };
    };

  it('publishes to a room with an ack carrying the offset; retries with a key are not repeated', async () => {
    const member = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('member'));
    await member.call({ op: 'join', room: 'orders:42' });
    const ack = await request(Subjects.apiPublish, {
      room: 'orders:42',
      event: 'shipped',
      data: { id: 42 },
      key: 'k',
      from: 'billing',
    });
    expect(ack.result).toMatchObject({ offset: 1 });
    expect(
      await request(Subjects.apiPublish, {
        room: 'orders:42',
        event: 'shipped',
        data: { id: 42 },
        key: 'k',
        from: 'billing',
      }),
    ).toMatchObject({
      result: { offset: 1, duplicate: true },
    });
    const pushed = await member.push('msg');
    expect(pushed).toMatchObject({
      room: 'orders:42',
      offset: 1,
      event: 'shipped',
      data: { id: 42 },
      from: { user: 'billing' },
    });
    member.close();
  });

  it('answers bad envelopes with coded errors and keeps serving', async () => {
    expect((await request(Subjects.apiPublish, { room: 'bad room', event: 'e' })).error?.code).toBe(
      ErrorCode.BadRequest,
    );
    expect((await request(Subjects.apiPublish, { event: 'e' })).error?.message).toContain('room');
    const raw = await ctx.service.request(Subjects.apiPublish, encodeText('not json'), { timeoutMs: 3000 });
    expect((decodeJson(raw.data) as { error: { code: number } }).error.code).toBe(ErrorCode.BadRequest);
    // Fire-and-forget garbage (no reply subject) must not hurt either.
    ctx.service.publish(Subjects.apiPublish, encodeText('{"room":'));
    expect((await request(Subjects.apiPublish, { room: 'still-ok', event: 'e' })).result?.offset).toBe(1);
  });

  it('notifies every connection of a user, and nobody else', async () => {
    const phone = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('ursula'));
    const laptop = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('ursula'));
    const other = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('victor'));
    await ctx.service.flush();
    await new Promise((resolve) => setTimeout(resolve, 100)); // edges' user subscriptions reach the server
    const reply = await request(Subjects.apiUser, {
      user: 'ursula',
      event: 'account',
      data: { plan: 'pro' },
    });
    expect(reply.error).toBeUndefined();
    for (const socket of [phone, laptop]) {
      expect(await socket.push('user')).toMatchObject({ t: 'user', event: 'account', data: { plan: 'pro' } });
    }
    await other.call({ op: 'ping' });
    expect(other.pushes('user')).toHaveLength(0);
    for (const s of [phone, laptop, other]) s.close();
  });

  it('emits lifecycle events for backends: connect, join, publish, leave, disconnect', async () => {
    const seen: BusMessage[] = [];
    const sub = ctx.service.subscribe('sb.events.>', (msg) => seen.push(msg));
    await ctx.service.flush();
    const socket = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('lena'));
    await socket.call({ op: 'join', room: 'life' });
    await socket.call({ op: 'publish', room: 'life', event: 'hello' });
    socket.close();
    await socket.closed;
    const lenaEvents = () =>
      seen.map((m) => decodeJson(m.data) as Record<string, unknown>).filter((e) => e['user'] === 'lena');
    for (let i = 0; i < 100 && lenaEvents().length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    const lena = lenaEvents();
    expect(lena.map((e) => e['type'])).toEqual(['connect', 'join', 'publish', 'leave', 'disconnect']);
    expect(lena[2]).toMatchObject({ room: 'life', offset: 1, event: 'hello', conn: lena[0]?.['conn'] });
    expect(lena[3]).toMatchObject({ room: 'life', reason: 'disconnect' });
    expect(lena[4]).toMatchObject({ reason: 'client_closed', code: 1000 });
    // Nothing sensitive: no token, no grants.
    for (const e of lena) expect(JSON.stringify(e)).not.toMatch(/token|grants|eyJ/);
    sub.unsubscribe();
  });
});

describe.each(['memory', 'nats+redis'] as const)('control from backends (%s)', (backends) => {
  const ctx = useSwitchboardBus(backends);
  const control = (subject: string, message: object) =>
    ctx.service.publish(subject, encodeJson(message), { headers: { 'sb-kind': 'control' } });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  it('disconnects every connection of a user with the given code', async () => {
    const a = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('mallory'));
    const b = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('mallory'));
    const bystander = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('trent'));
    await settle();
    control(Subjects.controlUser('mallory'), {
      action: 'disconnect',
      code: 4503,
      reason: 'account suspended',
    });
    for (const s of [a, b]) {
      expect((await s.push('disconnect')).reason).toBe('account suspended');
      expect((await s.closed).code).toBe(4503);
    }
    expect(bystander.isOpen()).toBe(true);
    bystander.close();
  });

  it('disconnects one connection by id through sb.control.all', async () => {
    const keep = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('peggy'));
    const drop = await openSocketAs(ctx.sb, 'peggy');
    control(Subjects.controlAll, { action: 'disconnect', code: 4503, reason: 'bye', conn: drop.conn });
    expect((await drop.socket.closed).code).toBe(4503);
    expect(keep.isOpen()).toBe(true);
    keep.close();
  });

  it('subscribes a connected user to a room from the backend, and unsubscribes', async () => {
    const user = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('walter', { join: [] }));
    const publisher = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('pub'));
    await settle();
    control(Subjects.controlUser('walter'), { action: 'subscribe', room: 'vip' });
    expect(await user.push('joined')).toMatchObject({ room: 'vip', offset: 0 });
    await publisher.call({ op: 'publish', room: 'vip', event: 'e', data: 1 });
    expect((await user.push('msg')).data).toBe(1);
    control(Subjects.controlUser('walter'), { action: 'unsubscribe', room: 'vip' });
    expect(await user.push('left')).toMatchObject({ room: 'vip', code: 4503 });
    await publisher.call({ op: 'publish', room: 'vip', event: 'e', data: 2 });
    await user.call({ op: 'ping' });
    expect(user.pushes('msg')).toHaveLength(1);
    // Malformed control messages are ignored.
    ctx.service.publish(Subjects.controlUser('walter'), encodeText('{"action":"explode"'), {
      headers: { 'sb-kind': 'control' },
    });
    // Control on the notification subject (which routers publish for any backend) is ignored.
    control(Subjects.user('walter'), { action: 'disconnect', code: 4503, reason: 'forged' });
    await settle();
    expect(user.isOpen()).toBe(true);
    user.close();
    publisher.close();
  });

  it('hears edge heartbeats with connection counts', async () => {
    const beats: Array<Record<string, unknown>> = [];
    const sub = ctx.service.subscribe('sb.nodes.>', (msg) =>
      beats.push(decodeJson(msg.data) as Record<string, unknown>),
    );
    const socket = await connectSocket(ctx.sb.wsUrl, ctx.sb.token('x'));
    for (let i = 0; i < 80 && !beats.some((b) => (b['connections'] as number) >= 1); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(beats.find((b) => (b['connections'] as number) >= 1)).toMatchObject({
      kind: 'edge',
      version: expect.any(String),
    });
    sub.unsubscribe();
    socket.close();
  });
});

/**
 * For one describe block: a Switchboard on `backends`, and `service`, a backend service's own
 * connection to its bus. Both are there once the block's `beforeAll` has run.
 */
function useSwitchboardBus(backends: BackendKind): { readonly sb: TestSwitchboard; readonly service: Bus } {
  let sb: TestSwitchboard | undefined;
  let service: Bus | undefined;
  const ctx = {
    get sb() {
      if (!sb) throw new Error('the Switchboard is not started (see the beforeAll error)');
      return sb;
    },
    get service() {
      if (!service) throw new Error('the bus is not connected (see the beforeAll error)');
      return service;
    },
  };
  beforeAll(async () => {
    // Every lifecycle kind, publish included (off by default).
    sb = await startSwitchboard({ backends, config: { lifecycleEvents: [...LIFECYCLE_KINDS] } });
    service = await sb.connectBus();
  });
  afterAll(async () => {
    await ctx.service.close();
    await ctx.sb.stop();
  });
  return ctx;
}

async function openSocketAs(sb: TestSwitchboard, user: string) {
  const socket = await connectSocket(sb.wsUrl, sb.token(user));
  const connected = socket.received.find((f) => 'result' in f) as { result: { conn: string } };
  return { socket, conn: connected.result.conn };
}

import { ErrorCode } from '@switchboard/protocol';
import {
  type Bus,
  type BusMessage,
  decodeJson,
  encodeJson,
  encodeText,
  Subjects,
} from '@switchboard/runtime';
import { connectSocket, startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Internal services talk to Switchboard over the bus: the same tests on both backends.
describe.each(['memory', 'nats+redis'] as const)('internal services over the bus (%s)', (backends) => {
  let sb: TestSwitchboard;
  let service: Bus;
  beforeAll(async () => {
    sb = await startSwitchboard({ backends });
    service = await sb.connectBus();
  });
  afterAll(async () => {
    await service.close();
    await sb.stop();
  });

  const request = async (subject: string, body: unknown) =>
    decodeJson((await service.request(subject, encodeJson(body), { timeoutMs: 3000 })).data) as {
      result?: { offset: number; epoch: string; duplicate?: boolean };
      error?: { code: number; message: string };
    };

  it('publishes to a room with an ack carrying the offset; retries with a key are not repeated', async () => {
    const member = await connectSocket(sb.wsUrl, sb.token('member'));
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
    const raw = await service.request(Subjects.apiPublish, encodeText('not json'), { timeoutMs: 3000 });
    expect((decodeJson(raw.data) as { error: { code: number } }).error.code).toBe(ErrorCode.BadRequest);
    // Fire-and-forget garbage (no reply subject) must not hurt either.
    service.publish(Subjects.apiPublish, encodeText('{"room":'));
    expect((await request(Subjects.apiPublish, { room: 'still-ok', event: 'e' })).result?.offset).toBe(1);
  });

  it('notifies every connection of a user, and nobody else', async () => {
    const phone = await connectSocket(sb.wsUrl, sb.token('ursula'));
    const laptop = await connectSocket(sb.wsUrl, sb.token('ursula'));
    const other = await connectSocket(sb.wsUrl, sb.token('victor'));
    await service.flush();
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
    const sub = service.subscribe('sb.events.>', (msg) => seen.push(msg));
    await service.flush();
    const socket = await connectSocket(sb.wsUrl, sb.token('lena'));
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

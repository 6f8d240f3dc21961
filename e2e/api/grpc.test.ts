import { credentials, status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ERROR_CODE_METADATA, ERROR_NAME_METADATA, loadProtos, SwitchboardApiError } from '@switchboard/api';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { GrpcServerClient } from '@switchboard/server-sdk';
import {
  connectSocket,
  openSocket,
  rejectionOf,
  startSwitchboard,
  TEST_API_KEY,
  type TestSocket,
  type TestSwitchboard,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SECOND_KEY = 'switchboard-second-api-key-for-rotation-0001';

let sb: TestSwitchboard;
let api: GrpcServerClient;

/** A raw unary call with exactly the metadata we choose (the SDK always sends its key). */
function rawCall(
  method: string,
  request: object,
  metadata: Record<string, string> = { 'x-api-key': TEST_API_KEY },
): Promise<{ error?: ServiceError; reply?: Record<string, unknown> }> {
  const { Switchboard } = loadProtos();
  const client = new Switchboard(sb.grpcUrl, credentials.createInsecure());
  const md = new Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  const def = Switchboard.service[method]!;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/switchboard.v1.Switchboard/${method}`,
      def.requestSerialize,
      def.responseDeserialize,
      request,
      md,
      { deadline: Date.now() + 5_000 },
      (error, reply) => {
        client.close();
        resolve(error ? { error } : { reply: reply as Record<string, unknown> });
      },
    );
  });
}

function sbCode(error: ServiceError | undefined): string | undefined {
  return error?.metadata.get(ERROR_CODE_METADATA)[0]?.toString();
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, SwitchboardApiError);

async function member(user: string, room?: string, meta?: Record<string, string>) {
  const socket = await openSocket(sb.wsUrl);
  const session = await socket.call({ op: 'connect', token: sb.token(user, meta ? { meta } : {}) });
  if (room) await socket.call({ op: 'join', room });
  return { socket, conn: session.conn };
}

describe.each(['memory', 'nats+redis'] as const)('server API over gRPC (%s backends)', (backends) => {
  beforeAll(async () => {
    sb = await startSwitchboard({
      backends,
      config: { apiKeys: [TEST_API_KEY, SECOND_KEY], presenceRooms: ['p:*', 'chat:*', 'r:*', 'sub:*'] },
    });
    api = new GrpcServerClient({ url: sb.grpcUrl, apiKey: sb.apiKey });
  });
  afterAll(async () => {
    await api?.close();
    await sb?.stop();
  });

  describe('authentication', () => {
    it('refuses a call without a key: UNAUTHENTICATED with sb-error-code 1002', async () => {
      const { error } = await rawCall('Publish', { room: 'chat:a', event: 'x' }, {});
      expect(error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(sbCode(error)).toBe(String(ErrorCode.NotAuthenticated));
      expect(error?.metadata.get(ERROR_NAME_METADATA)[0]).toBe('not_authenticated');
      expect(error?.details).toMatch(/missing API key/);
    });

    it('refuses a wrong key, as bearer or x-api-key', async () => {
      for (const md of [{ authorization: 'Bearer nope' }, { 'x-api-key': `${TEST_API_KEY}x` }] as Array<
        Record<string, string>
      >) {
        const { error } = await rawCall('Rooms', {}, md);
        expect(error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
        expect(error?.details).toBe('invalid API key');
      }
    });

    it('accepts every configured key (rotation), as bearer or x-api-key', async () => {
      expect((await rawCall('Rooms', {}, { authorization: `Bearer ${TEST_API_KEY}` })).error).toBeUndefined();
      expect((await rawCall('Rooms', {}, { 'x-api-key': SECOND_KEY })).error).toBeUndefined();
      expect((await rawCall('Rooms', {}, { authorization: `bearer ${SECOND_KEY}` })).error).toBeUndefined();
    });

    it('the SDK surfaces a bad key as a typed error', async () => {
      const bad = new GrpcServerClient({ url: sb.grpcUrl, apiKey: 'wrong' });
      const error = await rejection(bad.rooms());
      expect(error.code).toBe(ErrorCode.NotAuthenticated);
      expect(error.grpcStatus).toBe(GrpcStatus.UNAUTHENTICATED);
      await bad.close();
    });

    it('health needs no key and reports SERVING; an unknown service is NOT_FOUND', async () => {
      expect(await new GrpcServerClient({ url: sb.grpcUrl }).health()).toBe('SERVING');
      expect(await api.health({ service: 'switchboard.v1.Switchboard' })).toBe('SERVING');
      const error = await rejection(api.health({ service: 'nope.Service' }));
      expect(error.grpcStatus).toBe(GrpcStatus.NOT_FOUND);
    });
  });

  describe('Publish', () => {
    it('delivers to members with offset and epoch; an idempotency key makes a retry a duplicate', async () => {
      const { socket } = await member('alice', 'chat:pub');
      const first = await api.publish({
        room: 'chat:pub',
        event: 'say',
        data: { text: 'hi' },
        key: 'k1',
        from: 'bot',
      });
      expect(first).toMatchObject({ offset: 1, duplicate: false });
      const push = await socket.push('msg', (m) => m.room === 'chat:pub');
      expect(push).toMatchObject({
        offset: 1,
        epoch: first.epoch,
        event: 'say',
        data: { text: 'hi' },
        from: { user: 'bot' },
      });
      const again = await api.publish({
        room: 'chat:pub',
        event: 'say',
        data: { text: 'hi' },
        key: 'k1',
        from: 'bot',
      });
      expect(again).toEqual({ ...first, duplicate: true });
      socket.close();
    });

    it('bad arguments are INVALID_ARGUMENT with sb-error-code 1000, naming the field', async () => {
      const badRoom = await rawCall('Publish', { room: 'bad room', event: 'x' });
      expect(badRoom.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(sbCode(badRoom.error)).toBe('1000');
      expect(badRoom.error?.details).toMatch(/"room"/);
      const badJson = await rawCall('Publish', { room: 'chat:a', event: 'x', dataJson: '{nope' });
      expect(badJson.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(badJson.error?.details).toMatch(/data_json/);
      const tooBig = await rawCall('Publish', {
        room: 'chat:a',
        event: 'x',
        dataJson: JSON.stringify('x'.repeat(70_000)),
      });
      expect(tooBig.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(sbCode(tooBig.error)).toBe(String(ErrorCode.TooLarge));
      const noEvent = await rawCall('Publish', { room: 'chat:a' });
      expect(noEvent.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      // The SDK validates before sending, with the same schemas.
      const local = await rejection(api.publish({ room: 'chat:a', event: 'e'.repeat(65) }));
      expect(local.code).toBe(ErrorCode.BadRequest);
      expect(local.message).toMatch(/"event"/);
    });
  });

  describe('Broadcast and PublishToUser', () => {
    it('publishes to many rooms with a result per room', async () => {
      const { socket } = await member('bob', 'chat:b1');
      const results = await api.broadcast({ rooms: ['chat:b1', 'chat:b2'], event: 'news', data: 1 });
      expect(results.map((r) => [r.room, r.ok])).toEqual([
        ['chat:b1', true],
        ['chat:b2', true],
      ]);
      expect(await socket.push('msg', (m) => m.room === 'chat:b1')).toMatchObject({ event: 'news', data: 1 });
      const dup = await rawCall('Broadcast', { rooms: ['chat:x', 'chat:x'], event: 'e' });
      expect(dup.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      const none = await rawCall('Broadcast', { rooms: [], event: 'e' });
      expect(none.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      socket.close();
    });

    it('notifies every connection of a user', async () => {
      const a = await connectSocket(sb.wsUrl, sb.token('carol'));
      const b = await connectSocket(sb.wsUrl, sb.token('carol'));
      await api.publishToUser({ user: 'carol', event: 'ping', data: { n: 1 } });
      for (const s of [a, b]) expect(await s.push('user')).toMatchObject({ event: 'ping', data: { n: 1 } });
      const bad = await rawCall('PublishToUser', { user: '', event: 'x' });
      expect(bad.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      a.close();
      b.close();
    });
  });

  describe('Presence, PresenceStats, History', () => {
    it('lists members with their public meta, and counts them', async () => {
      const one = await member('dave', 'p:room', { name: 'Dave' });
      const two = await member('dave', 'p:room');
      const three = await member('erin', 'p:room');
      const members = await api.presence('p:room');
      expect(members).toHaveLength(3);
      expect(members).toContainEqual({ user: 'dave', conn: one.conn, meta: { name: 'Dave' } });
      expect(await api.presenceStats('p:room')).toEqual({ connections: 3, users: 2 });
      for (const m of [one, two, three]) m.socket.close();
    });

    it('an unknown room is empty; a bad room name is INVALID_ARGUMENT; presence off is INVALID_ARGUMENT', async () => {
      expect(await api.presence('p:nobody-here')).toEqual([]);
      expect(await api.presenceStats('p:nobody-here')).toEqual({ connections: 0, users: 0 });
      expect((await rawCall('Presence', { room: '' })).error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect((await rawCall('PresenceStats', { room: 'a b' })).error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      const off = await rejection(api.presence('untracked:room'));
      expect(off.grpcStatus).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(off.message).toMatch(/presence is off/);
    });

    it('reads history: all, since a position, reversed, limited', async () => {
      for (let i = 1; i <= 5; i++) await api.publish({ room: 'chat:h', event: 'n', data: i });
      const all = await api.history({ room: 'chat:h' });
      expect(all.offset).toBe(5);
      expect(all.messages.map((m) => m.data)).toEqual([1, 2, 3, 4, 5]);
      expect(all.messages[0]).toMatchObject({ offset: 1, event: 'n', from: { user: '@server', conn: '' } });
      const since = await api.history({ room: 'chat:h', since: { offset: 3, epoch: all.epoch } });
      expect(since.messages.map((m) => m.offset)).toEqual([4, 5]);
      const newest = await api.history({ room: 'chat:h', reverse: true, limit: 2 });
      expect(newest.messages.map((m) => m.offset)).toEqual([5, 4]);
      const empty = await api.history({ room: 'chat:never-used' });
      expect(empty).toMatchObject({ offset: 0, messages: [] });
      const bad = await rawCall('History', { room: 'chat:h', limit: 5000 });
      expect(bad.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    });
  });

  describe('Disconnect, Subscribe, Unsubscribe', () => {
    it('closes every connection of a user with the given code and reason', async () => {
      const a = await connectSocket(sb.wsUrl, sb.token('frank'));
      const b = await connectSocket(sb.wsUrl, sb.token('frank'));
      const other = await connectSocket(sb.wsUrl, sb.token('gina'));
      await api.disconnect({ user: 'frank', code: 4600, reason: 'banned' });
      for (const s of [a, b]) expect(await s.closed).toEqual({ code: 4600, reason: 'banned' });
      expect(other.isOpen()).toBe(true);
      other.close();
    });

    it('closes one connection by id (default code 4503 kicked)', async () => {
      const one = await member('hank');
      const two = await member('hank');
      await api.disconnect({ conn: one.conn });
      expect((await one.socket.closed).code).toBe(CloseCode.Kicked);
      await new Promise((r) => setTimeout(r, 100));
      expect(two.socket.isOpen()).toBe(true);
      two.socket.close();
    });

    it('refuses a disconnect without user or conn, or with a code outside 4000–4999', async () => {
      expect((await rawCall('Disconnect', {})).error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      const badCode = await rawCall('Disconnect', { user: 'x', code: 1000 });
      expect(badCode.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(badCode.error?.details).toMatch(/4000–4999/);
    });

    it('a user nobody knows is not an error (fire and forget, like NATS)', async () => {
      await expect(api.disconnect({ user: 'nobody-at-all' })).resolves.toBeUndefined();
      await expect(api.subscribe({ user: 'nobody-at-all', room: 'sub:x' })).resolves.toBeUndefined();
    });

    it('Subscribe joins a connected user to a room: they receive its messages; Unsubscribe removes them', async () => {
      const s: TestSocket = await connectSocket(sb.wsUrl, sb.token('ivy', { join: ['own:*'], publish: [] }));
      await api.subscribe({ user: 'ivy', room: 'sub:news' });
      expect(await s.push('joined', (j) => j.room === 'sub:news')).toMatchObject({ room: 'sub:news' });
      await api.publish({ room: 'sub:news', event: 'headline', data: 'x' });
      expect(await s.push('msg', (m) => m.room === 'sub:news')).toMatchObject({
        event: 'headline',
        data: 'x',
      });
      expect((await api.presence('sub:news')).map((m) => m.user)).toEqual(['ivy']);
      await api.unsubscribe({ user: 'ivy', room: 'sub:news' });
      expect(await s.push('left', (l) => l.room === 'sub:news')).toMatchObject({ room: 'sub:news' });
      const bad = await rawCall('Subscribe', { user: 'ivy', room: 'no spaces' });
      expect(bad.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      s.close();
    });
  });

  describe('Rooms and Info', () => {
    it('pages through rooms with members, with counts', async () => {
      const sockets = [
        await member('r1', 'r:a'),
        await member('r2', 'r:b'),
        await member('r3', 'r:b'),
        await member('r4', 'r:c'),
      ];
      const rooms: Array<{ room: string; connections: number }> = [];
      for await (const room of api.allRooms({ pageSize: 1 }))
        if (room.room.startsWith('r:')) rooms.push(room);
      expect(rooms).toEqual([
        { room: 'r:a', connections: 1, users: 1 },
        { room: 'r:b', connections: 2, users: 2 },
        { room: 'r:c', connections: 1, users: 1 },
      ]);
      const page = await api.rooms({ cursor: 'r:a', limit: 1 });
      expect(page).toEqual({ rooms: [{ room: 'r:b', connections: 2, users: 2 }], nextCursor: 'r:b' });
      expect((await rawCall('Rooms', { limit: 5000 })).error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      for (const s of sockets) s.socket.close();
    });

    it('lists nodes from heartbeats with connection counts and versions', async () => {
      const s = await connectSocket(sb.wsUrl, sb.token('info'));
      let info = await api.info();
      const deadline = Date.now() + 8_000;
      while (!info.nodes.some((n) => n.kind === 'edge' && n.connections >= 1) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        info = await api.info();
      }
      const edge = info.nodes.find((n) => n.kind === 'edge');
      expect(edge).toMatchObject({ version: '0.1.0' });
      expect(edge!.connections).toBeGreaterThanOrEqual(1);
      expect(info.nodes.some((n) => n.kind === 'api' && n.node === info.answeredBy)).toBe(true);
      expect(info.connections).toBe(edge!.connections);
      s.close();
    });
  });

  describe('transport errors', () => {
    it('an unreachable server is UNAVAILABLE (code 2002, temporary)', async () => {
      const down = new GrpcServerClient({ url: '127.0.0.1:1', apiKey: 'x', timeoutMs: 2_000 });
      const error = await rejection(down.rooms());
      expect(error.code).toBe(ErrorCode.Unavailable);
      expect(error.temporary).toBe(true);
      await down.close();
    });
  });
});

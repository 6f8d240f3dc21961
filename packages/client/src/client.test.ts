import { CloseCode, ErrorCode, type MessagePush } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffCeiling } from './backoff.js';
import { type ClientOptions, SwitchboardClient } from './client.js';
import {
  CancelledError,
  ClientClosedError,
  ConnectionClosedError,
  NotConnectedError,
  QueueFullError,
  RequestError,
  TimeoutError,
} from './errors.js';
import { FakeServer, type FakeSocket } from './test-support/fake-server.js';
import { nextEvent, record, waitFor } from './test-support/wait.js';

const clients: SwitchboardClient[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
});

const FAST_RECONNECT = {
  initialDelayMs: 5,
  factor: 2,
  maxDelayMs: 40,
  jitter: 'full' as const,
  resetAfterMs: 60_000,
};

function makeClient(server: FakeServer, options: Partial<ClientOptions> = {}): SwitchboardClient {
  const client = new SwitchboardClient({
    url: 'ws://fake',
    token: 'tok',
    WebSocket: server.WebSocket,
    reconnect: FAST_RECONNECT,
    requestTimeoutMs: 2_000,
    ...options,
  });
  clients.push(client);
  return client;
}

/** With fake timers: advances time in small steps until `promise` settles (fake sockets use timers too). */
async function settle<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  for (let i = 0; i < 200 && !done; i++) await vi.advanceTimersByTimeAsync(5);
  return tracked;
}

function messagesOf(client: SwitchboardClient, room?: string): MessagePush[] {
  const seen: MessagePush[] = [];
  client.on('message', (m) => {
    if (!room || m.room === room) seen.push(m);
  });
  return seen;
}

describe('connection state machine', () => {
  it('goes connecting → connected → disconnecting → disconnected, and exposes the state', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    const log = record(client, ['state', 'connecting', 'connected', 'disconnecting', 'disconnected']);
    expect(client.state).toBe('disconnected');
    const connected = client.connect();
    expect(client.state).toBe('connecting');
    const result = await connected;
    expect(result.conn).toBe('c1');
    expect(client.state).toBe('connected');
    expect(client.connection?.conn).toBe('c1');
    await client.disconnect();
    expect(client.state).toBe('disconnected');
    expect(log.filter((e) => e.event !== 'state').map((e) => e.event)).toEqual([
      'connecting',
      'connected',
      'disconnecting',
      'disconnected',
    ]);
    expect(log.filter((e) => e.event === 'state').map((e) => e.payload)).toEqual([
      { state: 'connecting', previous: 'disconnected' },
      { state: 'connected', previous: 'connecting' },
      { state: 'disconnecting', previous: 'connected' },
      { state: 'disconnected', previous: 'disconnecting' },
    ]);
    expect(log.at(-1)?.payload).toEqual({ code: 1000, reason: 'client_disconnect', reconnect: false });
    expect(server.last.closedByClient).toEqual({ code: 1000, reason: 'client_disconnect' });
  });

  it('reports the close code and reason and reconnects after a recoverable close', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    const disconnected = nextEvent(client, 'disconnected');
    server.last.serverClose(CloseCode.SlowConsumer, 'slow');
    expect(await disconnected).toMatchObject({
      code: CloseCode.SlowConsumer,
      reason: 'slow',
      reconnect: true,
    });
    await nextEvent(client, 'connected');
    expect(server.sockets).toHaveLength(2);
  });

  it('never has two sockets open, however often the link drops', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    let overlap = 0;
    client.on('connecting', () => {
      if (server.open.length > 0) overlap += 1;
    });
    await client.connect();
    for (let i = 0; i < 10; i++) {
      const reconnected = nextEvent(client, 'connected');
      if (i % 2 === 0) server.last.drop();
      else server.last.serverClose(CloseCode.Internal);
      await reconnected;
      expect(server.open).toHaveLength(1);
    }
    expect(overlap).toBe(0);
    expect(server.sockets).toHaveLength(11);
  });

  it('waits a backoff delay within the schedule between failed attempts', async () => {
    const server = new FakeServer();
    server.connectMode = 'refuse';
    const client = makeClient(server);
    const delays: number[] = [];
    const attempts: number[] = [];
    client.on('connecting', (e) => attempts.push(e.attempt));
    client.on('disconnected', (e) => {
      if (e.delayMs !== undefined) delays.push(e.delayMs);
    });
    void client.connect();
    await waitFor(() => delays.length >= 6, '6 failed attempts');
    expect(attempts.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    delays.forEach((delay, attempt) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(backoffCeiling(FAST_RECONNECT, attempt));
    });
    server.connectMode = 'open';
    await nextEvent(client, 'connected');
  });

  it('resets the backoff after a connection that stayed up', async () => {
    vi.useFakeTimers();
    const server = new FakeServer();
    const client = makeClient(server, { reconnect: { ...FAST_RECONNECT, resetAfterMs: 1_000 } });
    const attempts: number[] = [];
    client.on('connecting', (e) => attempts.push(e.attempt));
    await settle(client.connect());
    server.last.drop();
    await settle(nextEvent(client, 'connected'));
    // Dropped right away: not stable, the attempt counter keeps growing.
    server.last.drop();
    await settle(nextEvent(client, 'connected'));
    expect(attempts).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(1_500);
    server.last.drop();
    await settle(nextEvent(client, 'connected'));
    expect(attempts).toEqual([0, 1, 2, 1]);
  });

  it('does not reconnect after a close code that says not to', async () => {
    for (const code of [CloseCode.Unauthorized, CloseCode.Forbidden, CloseCode.Kicked]) {
      const server = new FakeServer();
      const client = makeClient(server);
      await client.connect();
      const disconnected = nextEvent(client, 'disconnected');
      server.last.serverClose(code, 'no');
      expect(await disconnected).toMatchObject({ code, reconnect: false });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.sockets).toHaveLength(1);
      expect(client.state).toBe('disconnected');
    }
  });

  it('follows the reconnect flag of a disconnect push', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    const disconnected = nextEvent(client, 'disconnected');
    server.last.push({ t: 'disconnect', code: 4005, reason: 'banned for now', reconnect: false });
    server.last.drop();
    expect(await disconnected).toMatchObject({ code: 4005, reason: 'banned for now', reconnect: false });
  });

  it('comes back quickly (within the first backoff step) after a drain notice', async () => {
    const server = new FakeServer();
    const client = makeClient(server, {
      reconnect: { initialDelayMs: 200, factor: 2, maxDelayMs: 60_000, jitter: 'none', resetAfterMs: 60_000 },
    });
    await client.connect();
    // Make the attempt counter high first: without the drain rule the next delay would be long.
    for (let i = 0; i < 3; i++) {
      const back = nextEvent(client, 'connected');
      server.last.drop();
      await back;
    }
    const disconnected = nextEvent(client, 'disconnected');
    server.last.push({ t: 'disconnect', code: CloseCode.Shutdown, reason: 'draining', reconnect: true });
    server.last.serverClose(CloseCode.Shutdown, 'draining');
    const event = await disconnected;
    expect(event).toMatchObject({ code: CloseCode.Shutdown, reconnect: true });
    expect(event.delayMs).toBeLessThanOrEqual(200);
    await nextEvent(client, 'connected');
  });

  it('treats a silent link as dead after ping + grace and reconnects', async () => {
    vi.useFakeTimers();
    const server = new FakeServer({ ping: 1_000 });
    const client = makeClient(server, { heartbeatGraceMs: 2_000 });
    await settle(client.connect());
    // Pings keep it alive well past ping + grace.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      server.last.push({ t: 'ping' });
    }
    expect(client.state).toBe('connected');
    expect(server.sockets).toHaveLength(1);
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    const disconnected = nextEvent(client, 'disconnected');
    const reconnected = nextEvent(client, 'connected');
    server.last.blackhole();
    await vi.advanceTimersByTimeAsync(2_900);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(await disconnected).toMatchObject({ code: 1006, reason: 'heartbeat_timeout', reconnect: true });
    expect(errors).toContain('heartbeat_timeout');
    await settle(reconnected);
    expect(server.sockets).toHaveLength(2);
  });

  it('gives up on a connect that never completes and tries again', async () => {
    const server = new FakeServer();
    server.connectMode = 'hang';
    const client = makeClient(server, { connectTimeoutMs: 50 });
    void client.connect();
    const event = await nextEvent(client, 'disconnected');
    expect(event).toMatchObject({ reason: 'connect_timeout', reconnect: true });
    server.connectMode = 'open';
    await nextEvent(client, 'connected');
  });
});

describe('tokens', () => {
  it('calls the provider on every connect', async () => {
    const server = new FakeServer();
    let n = 0;
    const client = makeClient(server, { token: async () => `t${++n}` });
    await client.connect();
    server.last.drop();
    await nextEvent(client, 'connected');
    expect(server.tokens).toEqual(['t1', 't2']);
  });

  it('stops for good when the token is rejected for a reason a new token cannot fix', async () => {
    const server = new FakeServer();
    server.connectError = { code: ErrorCode.TokenInvalid, message: 'bad signature' };
    const client = makeClient(server, { token: async () => 'x' });
    const connect = client.connect();
    const event = await nextEvent(client, 'disconnected');
    expect(event).toMatchObject({ reconnect: false, reason: 'connect_rejected' });
    expect(event.error).toBeInstanceOf(RequestError);
    await expect(connect).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('retries an expired token when a provider can mint a fresh one, but not a static token', async () => {
    const server = new FakeServer();
    server.connectError = { code: ErrorCode.TokenExpired, message: 'expired' };
    let n = 0;
    const client = makeClient(server, {
      token: () => {
        n += 1;
        if (n === 2) server.connectError = undefined;
        return `t${n}`;
      },
    });
    await client.connect();
    expect(server.tokens).toEqual(['t1', 't2']);

    const staticServer = new FakeServer();
    staticServer.connectError = { code: ErrorCode.TokenExpired, message: 'expired' };
    const staticClient = makeClient(staticServer, { token: 'old' });
    void staticClient.connect();
    expect(await nextEvent(staticClient, 'disconnected')).toMatchObject({ reconnect: false });
  });

  it('retries with backoff when the provider fails, surfacing the error', async () => {
    const server = new FakeServer();
    let n = 0;
    const client = makeClient(server, {
      token: async () => {
        n += 1;
        if (n < 3) throw new Error('auth backend down');
        return 'ok';
      },
    });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    await client.connect();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'token_provider' });
    expect((errors[0] as Error).cause).toMatchObject({ message: 'auth backend down' });
  });

  it('refreshes before expiry and on a refresh push', async () => {
    const server = new FakeServer();
    server.expiresAt = Date.now() + 2_500;
    let n = 0;
    const client = makeClient(server, { token: () => `t${++n}`, refreshMarginMs: 1_000 });
    const tokens = record(client, ['token']);
    await client.connect();
    server.expiresAt = Date.now() + 3_600_000;
    await waitFor(() => tokens.length === 1, 'the scheduled refresh');
    expect(server.last.commands('refresh').map((c) => c['token'])).toEqual(['t2']);
    server.last.push({ t: 'refresh', deadline: Date.now() + 1000 });
    await waitFor(() => tokens.length === 2, 'the pushed refresh');
    expect(server.last.commands('refresh').map((c) => c['token'])).toEqual(['t2', 't3']);
    expect(server.sockets).toHaveLength(1);
  });
});

describe('requests', () => {
  it('publish resolves with the server ack; errors and timeouts reject with typed errors', async () => {
    const server = new FakeServer();
    const client = makeClient(server, { requestTimeoutMs: 100 });
    await client.connect();
    const ack = await client.publish('room', 'say', { text: 'hi' });
    expect(ack).toMatchObject({ offset: 1 });

    server.publishError = { code: ErrorCode.Forbidden, message: 'no publish grant' };
    const forbidden = await client.publish('room', 'say', 1).catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(RequestError);
    expect(forbidden).toMatchObject({
      code: 'request_failed',
      serverCode: 1004,
      temporary: false,
      op: 'publish',
    });

    server.publishError = { code: ErrorCode.RateLimited, message: 'slow down', retryAfterMs: 250 };
    expect(await client.publish('room', 'say', 2).catch((e: unknown) => e)).toMatchObject({
      temporary: true,
      retryAfterMs: 250,
    });

    server.publishError = undefined;
    server.silentOps.add('publish');
    const timeout = await client.publish('room', 'say', 3, { key: 'my-key' }).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout).toMatchObject({ code: 'timeout', key: 'my-key' });
    expect(client.state).toBe('connected');
  });

  it("paces writes under the server's advertised rate and burst", async () => {
    vi.useFakeTimers();
    // The client keeps to 90% of the rate (9/s) and 80% of the burst (4).
    const server = new FakeServer({ pace: { rate: 10, burst: 5 } });
    const client = makeClient(server);
    await settle(client.connect());
    const acks = Promise.all(Array.from({ length: 10 }, (_, i) => client.publish('r', 'e', i)));
    const sent = () => server.last.commands('publish').length;
    expect(sent()).toBe(4);
    // Then one token per 1000/9 ms: the fifth after 112 ms, the sixth 111 ms later.
    await vi.advanceTimersByTimeAsync(111);
    expect(sent()).toBe(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent()).toBe(5);
    await vi.advanceTimersByTimeAsync(110);
    expect(sent()).toBe(5);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent()).toBe(6);
    const results = await settle(acks);
    expect(results.map((r) => r.offset)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(server.last.commands('publish').map((c) => c['data'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('presence and history need a live connection', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await expect(client.history('room')).rejects.toBeInstanceOf(NotConnectedError);
    await expect(client.publish('room', 'e')).rejects.toBeInstanceOf(NotConnectedError);
    await client.connect();
    await client.publish('room', 'e', 1);
    expect((await client.history('room')).messages.map((m) => m.data)).toEqual([1]);
    await client.join('room');
    expect(await client.presence('room')).toEqual([{ user: 'u', conn: 'c1' }]);
  });
});

describe('offline queue', () => {
  it('queues publishes while disconnected and sends them in order, once, after reconnect', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    await client.join('room');
    server.connectMode = 'refuse';
    const gone = nextEvent(client, 'disconnected');
    server.last.drop();
    await gone;
    const acks = Array.from({ length: 20 }, (_, i) => client.publish('room', 'say', i));
    expect(client.queued).toBe(20);
    server.connectMode = 'open';
    const results = await Promise.all(acks);
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(server.room('room').log.map((m) => m.data)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const keys = server.last.commands('publish').map((c) => c['key']);
    expect(new Set(keys).size).toBe(20);
  });

  it('a publish made from a state or connected listener goes after the queued ones', async () => {
    const server = new FakeServer();
    server.connectMode = 'refuse';
    const client = makeClient(server);
    void client.connect();
    const queued = [client.publish('r', 'e', 'q1'), client.publish('r', 'e', 'q2')];
    const late: Promise<unknown>[] = [];
    client.on('state', (e) => {
      if (e.state === 'connected') late.push(client.publish('r', 'e', 'from state'));
    });
    client.once('connected', () => {
      late.push(client.publish('r', 'e', 'from connected'));
    });
    server.connectMode = 'open';
    await Promise.all(queued);
    await Promise.all(late);
    expect(server.room('r').log.map((m) => m.data)).toEqual(['q1', 'q2', 'from state', 'from connected']);
  });

  it('resends an unacknowledged publish with the same key, so the room gets it once', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    // The server applies the publish but the link dies before the ack.
    const original = server.handle.bind(server);
    let cut = true;
    server.handle = (socket: FakeSocket, command) => {
      if (command.op === 'publish' && cut) {
        cut = false;
        socket.drop();
      }
      original(socket, command);
    };
    const ack = await client.publish('room', 'say', 'once');
    expect(ack).toMatchObject({ offset: 1, duplicate: true });
    expect(server.room('room').log).toHaveLength(1);
    const [first] = server.sockets[0]?.commands('publish') ?? [];
    const [second] = server.sockets[1]?.commands('publish') ?? [];
    expect(first?.['key']).toBeDefined();
    expect(second?.['key']).toBe(first?.['key']);
  });

  it('reject-new: a publish that does not fit fails at once; queued ones survive', async () => {
    const server = new FakeServer();
    server.connectMode = 'refuse';
    const client = makeClient(server, { queue: { maxCount: 2 } });
    void client.connect();
    const a = client.publish('r', 'e', 'a');
    const b = client.publish('r', 'e', 'b');
    await expect(client.publish('r', 'e', 'c')).rejects.toBeInstanceOf(QueueFullError);
    server.connectMode = 'open';
    expect((await Promise.all([a, b])).map((r) => r.offset)).toEqual([1, 2]);
  });

  it('drop-oldest: the oldest publish is evicted with QueueFullError', async () => {
    const server = new FakeServer();
    server.connectMode = 'refuse';
    const client = makeClient(server, { queue: { maxCount: 2, whenFull: 'drop-oldest' } });
    void client.connect();
    const a = client.publish('r', 'e', 'a');
    const b = client.publish('r', 'e', 'b');
    const c = client.publish('r', 'e', 'c');
    await expect(a).rejects.toMatchObject({ code: 'queue_full' });
    server.connectMode = 'open';
    await Promise.all([b, c]);
    expect(server.room('r').log.map((m) => m.data)).toEqual(['b', 'c']);
  });

  it('bounds the queue by bytes too', async () => {
    const server = new FakeServer();
    server.connectMode = 'refuse';
    const client = makeClient(server, { queue: { maxBytes: 300 } });
    void client.connect();
    const fits = client.publish('r', 'e', 'x'.repeat(100)).catch((e: unknown) => e);
    await expect(client.publish('r', 'e', 'y'.repeat(200))).rejects.toBeInstanceOf(QueueFullError);
    await client.disconnect();
    expect(await fits).toBeInstanceOf(ClientClosedError);
  });
});

describe('rooms across reconnects', () => {
  it('rejoins with since and delivers missed messages once, in order', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    const seen = messagesOf(client, 'room');
    await client.connect();
    await client.join('room');
    server.append('room', 'say', 1);
    server.append('room', 'say', 2);
    await waitFor(() => seen.length === 2, 'live messages');
    server.connectMode = 'refuse';
    const gone = nextEvent(client, 'disconnected');
    server.last.drop();
    await gone;
    for (let i = 3; i <= 6; i++) server.append('room', 'say', i);
    server.connectMode = 'open';
    const rejoined = await nextEvent(client, 'joined');
    expect(rejoined).toMatchObject({ room: 'room', rejoin: true, recovered: true, offset: 6 });
    expect(server.last.commands('join')[0]?.['since']).toMatchObject({ offset: 2 });
    server.append('room', 'say', 7);
    await waitFor(() => seen.length === 7, 'all messages');
    expect(seen.map((m) => m.data)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('drops live pushes that duplicate recovered ones', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    const seen = messagesOf(client, 'room');
    await client.connect();
    await client.join('room');
    const gone = nextEvent(client, 'disconnected');
    server.connectMode = 'refuse';
    server.last.drop();
    await gone;
    server.append('room', 'say', 1);
    server.append('room', 'say', 2);
    // A server that also pushes what it just recovered (allowed: the client dedupes by offset).
    const original = server.handle.bind(server);
    server.handle = (socket, command) => {
      original(socket, command);
      if (command.op === 'join') for (const m of server.room('room').log) socket.push(m);
    };
    server.connectMode = 'open';
    await nextEvent(client, 'joined');
    server.append('room', 'say', 3);
    await waitFor(() => seen.length >= 3, 'messages');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen.map((m) => m.offset)).toEqual([1, 2, 3]);
  });

  it('emits unrecovered when history cannot cover the gap, and when the epoch changed', async () => {
    const server = new FakeServer({ historySize: 2 });
    const client = makeClient(server);
    const unrecovered = record(client, ['unrecovered']);
    await client.connect();
    await client.join('room');
    server.connectMode = 'refuse';
    let gone = nextEvent(client, 'disconnected');
    server.last.drop();
    await gone;
    for (let i = 1; i <= 5; i++) server.append('room', 'say', i);
    server.connectMode = 'open';
    expect(await nextEvent(client, 'joined')).toMatchObject({ recovered: false });
    expect(unrecovered.map((e) => e.payload)).toEqual([
      { room: 'room', reason: 'history_gap', position: { offset: 5, epoch: server.room('room').epoch } },
    ]);

    gone = nextEvent(client, 'disconnected');
    server.resetRoom('room');
    server.last.drop();
    await gone;
    await nextEvent(client, 'joined');
    expect(unrecovered.at(-1)?.payload).toMatchObject({ reason: 'epoch_changed', position: { offset: 0 } });
    const seen = messagesOf(client, 'room');
    server.append('room', 'say', 'fresh');
    await waitFor(() => seen.length === 1, 'a message in the new epoch');
  });

  it('reorders pushes that arrive out of order and fills a hole from history', async () => {
    const server = new FakeServer();
    const client = makeClient(server, { gapTimeoutMs: 20 });
    const seen = messagesOf(client, 'room');
    await client.connect();
    await client.join('room');
    const m1 = server.append('room', 'say', 1, { push: false });
    const m2 = server.append('room', 'say', 2, { push: false });
    const m3 = server.append('room', 'say', 3, { push: false });
    server.last.push(m2);
    server.last.push(m1);
    await waitFor(() => seen.length === 2, 'reordered messages');
    // m3 is never pushed live; m4 is: the hole is filled from history.
    void m3;
    server.append('room', 'say', 4);
    await waitFor(() => seen.length === 4, 'the hole filled');
    expect(seen.map((m) => m.data)).toEqual([1, 2, 3, 4]);
    expect(server.last.commands('history')).toHaveLength(1);
  });

  it('joins requested while offline happen on connect; leave cancels a pending join', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    const a = client.join('a');
    const b = client.join('b');
    const left = client.leave('b');
    await expect(b).rejects.toBeInstanceOf(CancelledError);
    await left;
    void client.connect();
    expect(await a).toMatchObject({ room: 'a', offset: 0 });
    expect(client.rooms).toEqual(['a']);
    expect(server.last.commands('join').map((c) => c['room'])).toEqual(['a']);
  });

  it('a server `left` push removes the room and tells the app', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    await client.join('room');
    const left = nextEvent(client, 'left');
    server.last.push({ t: 'left', room: 'room', code: ErrorCode.Forbidden, reason: 'revoked' });
    expect(await left).toEqual({ room: 'room', code: ErrorCode.Forbidden, reason: 'revoked' });
    expect(client.rooms).toEqual([]);
    server.last.drop();
    await nextEvent(client, 'connected');
    expect(server.last.commands('join')).toHaveLength(0);
  });

  it('keeps presence in sync from a snapshot plus diffs, and resyncs after reconnect', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    expect(client.members('room')).toBeUndefined();
    const snapshot = nextEvent(client, 'presence');
    await client.join('room', { presence: true });
    expect(await snapshot).toMatchObject({ snapshot: true, members: [{ conn: 'c1' }] });
    const diff = nextEvent(client, 'presence');
    server.last.push({ t: 'presence', room: 'room', joins: [{ user: 'bob', conn: 'cb' }] });
    expect(await diff).toMatchObject({ snapshot: false, joins: [{ user: 'bob', conn: 'cb' }], leaves: [] });
    expect(
      client
        .members('room')
        ?.map((m) => m.conn)
        .sort(),
    ).toEqual(['c1', 'cb']);
    const resynced = nextEvent(client, 'presence', (e) => e.snapshot);
    server.last.drop();
    await resynced;
    expect(client.members('room')?.map((m) => m.conn)).toEqual(['c2']);
  });
});

describe('disconnect()', () => {
  it('rejects pending requests, returns what was not acknowledged and leaves no timers', async () => {
    vi.useFakeTimers();
    const server = new FakeServer({ ping: 1_000 });
    server.expiresAt = Date.now() + 3_600_000;
    const client = makeClient(server, { token: () => 't', gapTimeoutMs: 50 });
    await settle(client.connect());
    await settle(client.join('room', { presence: true }));
    server.silentOps.add('publish');
    server.silentOps.add('history');
    const inflight = client.publish('room', 'say', 'in flight', { key: 'k1' }).catch((e: unknown) => e);
    const history = client.history('room').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5);
    // Heartbeat, token refresh, stable-connection and request timers are all running now.
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(4);
    const unsent = await settle(client.disconnect());
    expect(unsent).toEqual([{ room: 'room', event: 'say', data: 'in flight', key: 'k1', sent: true }]);
    expect(await inflight).toBeInstanceOf(ClientClosedError);
    expect(await history).toBeInstanceOf(ClientClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('returns queued publishes and stops a pending reconnect', async () => {
    const server = new FakeServer();
    server.connectMode = 'refuse';
    const client = makeClient(server, {
      reconnect: { ...FAST_RECONNECT, initialDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    void client.connect();
    await nextEvent(client, 'disconnected');
    const queued = client.publish('room', 'say', 'queued');
    const final = nextEvent(client, 'disconnected');
    const unsent = await client.disconnect();
    expect(await final).toMatchObject({ reconnect: false });
    expect(unsent).toMatchObject([{ data: 'queued', sent: false }]);
    await expect(queued).rejects.toMatchObject({ code: 'client_closed' });
    const sockets = server.sockets.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.sockets).toHaveLength(sockets);
  });

  it('connect() during or right after disconnect() ends with exactly one socket', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    const closing = client.disconnect();
    expect(client.state).toBe('disconnecting');
    const again = client.connect();
    await closing;
    await again;
    expect(server.open).toHaveLength(1);

    // And from a `disconnected` listener.
    const off = client.on('disconnected', () => {
      off();
      void client.connect();
    });
    await client.disconnect();
    await waitFor(() => client.state === 'connected', 'reconnected from the listener');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.open).toHaveLength(1);
    expect(server.sockets).toHaveLength(3);
  });

  it('remembers joined rooms: a later connect() rejoins them with recovery', async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    const seen = messagesOf(client, 'room');
    await client.connect();
    await client.join('room');
    server.append('room', 'say', 1);
    await waitFor(() => seen.length === 1, 'first message');
    await client.disconnect();
    server.append('room', 'say', 2);
    await client.connect();
    await waitFor(() => seen.length === 2, 'recovered message');
    expect(server.last.commands('join')[0]?.['since']).toMatchObject({ offset: 1 });
  });
});

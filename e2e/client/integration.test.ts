import { mintToken } from '@switchboard/auth';
import { type ClientOptions, SwitchboardClient } from '@switchboard/client';
import { nextEvent, waitFor } from '@switchboard/client/test-support/wait';
import type { MessagePush } from '@switchboard/protocol';
import { startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The SDK against the real server (all services in this process, memory backends). Network
 * failures are made with `dropConnections()` (every socket at once) or a TCP proxy in front
 * of one client (`cut`/`freeze`), so the other clients keep going meanwhile.
 */

let sb: TestSwitchboard;
const clients: SwitchboardClient[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  sb = await startSwitchboard({
    config: {
      historySize: 5_000,
      pingIntervalMs: 1_000,
      connectionRate: 2_000,
      connectionBurst: 2_000,
      userPublishRate: 0,
      tokenExpiryGraceMs: 3_000,
    },
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await sb?.stop();
});

function client(user: string, options: Partial<ClientOptions> = {}): SwitchboardClient {
  const c = new SwitchboardClient({
    url: sb.wsUrl,
    token: () => sb.token(user),
    WebSocket,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    // Heartbeat detection well above the 1 s ping, so a busy CI box does not trip it.
    heartbeatGraceMs: 2_000,
    ...options,
  });
  clients.push(c);
  return c;
}

async function proxy(): Promise<TcpProxy> {
  const p = await TcpProxy.start(Number(new URL(sb.wsUrl).port));
  proxies.push(p);
  return p;
}

function collect(c: SwitchboardClient, room: string): MessagePush[] {
  const seen: MessagePush[] = [];
  c.on('message', (m) => {
    if (m.room === room) seen.push(m);
  });
  return seen;
}

/** Every offset from 1 to n exactly once, in order, carrying the values 0..n-1 in order. */
function expectExactly(seen: readonly MessagePush[], n: number): void {
  expect(seen.map((m) => m.offset)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(seen.map((m) => m.data)).toEqual(Array.from({ length: n }, (_, i) => i));
}

async function roomLog(room: string): Promise<MessagePush[]> {
  const reader = client('auditor');
  await reader.connect();
  const { messages } = await reader.history(room, { limit: 1000 });
  await reader.disconnect();
  return messages;
}

describe('against the real server', () => {
  it('a subscriber cut off mid-stream gets every message once, in order', async () => {
    const room = 'it:cut-subscriber';
    const link = await proxy();
    const subscriber = client('sub', { url: link.url });
    const publisher = client('pub');
    const seen = collect(subscriber, room);
    await Promise.all([subscriber.connect(), publisher.connect()]);
    await subscriber.join(room);

    const total = 300;
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      acks.push(publisher.publish(room, 'n', i));
      if (i === 60) link.cut();
      if (i === 160) link.restore();
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(acks);
    await waitFor(() => seen.length >= total, `${total} messages at the subscriber`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectExactly(seen, total);
    expect(link.accepted).toBeGreaterThanOrEqual(2);
  });

  it('drops of every socket while publishing: no loss, no duplicates, order kept', async () => {
    const room = 'it:drop-all';
    const subscriber = client('sub');
    const publisher = client('pub');
    const seen = collect(subscriber, room);
    let rejoins = 0;
    subscriber.on('joined', (e) => {
      if (e.rejoin) rejoins += 1;
    });
    await Promise.all([subscriber.connect(), publisher.connect()]);
    await subscriber.join(room);

    const total = 300;
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      acks.push(publisher.publish(room, 'n', i));
      if (i === 100 || i === 200) {
        // Cut while publishes are in flight, then wait for both to be back before going on.
        const back = Promise.all([nextEvent(subscriber, 'joined'), nextEvent(publisher, 'connected')]);
        sb.dropConnections();
        await back;
      }
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const results = await Promise.all(acks);
    expect(results).toHaveLength(total);
    await waitFor(() => seen.length >= total, `${total} messages at the subscriber`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectExactly(seen, total);
    // At least the two drops (a busy box may add a heartbeat reconnect; delivery must not care).
    expect(rejoins).toBeGreaterThanOrEqual(2);
    // The room itself holds each publish once.
    expectExactly(await roomLog(room), total);
  });

  it('a publish accepted but never acknowledged is resent with its key and stored once', async () => {
    const room = 'it:unacked';
    const link = await proxy();
    const publisher = client('pub', { url: link.url });
    const subscriber = client('sub');
    const seen = collect(subscriber, room);
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.join(room);

    link.muteReplies();
    const acks = Array.from({ length: 10 }, (_, i) => publisher.publish(room, 'n', i));
    // The server accepted all ten (the subscriber has them) but the acks were lost.
    await waitFor(() => seen.length === 10, 'the ten messages at the subscriber');
    const down = nextEvent(publisher, 'disconnected');
    link.cut();
    await down;
    link.restore();
    const results = await Promise.all(acks);
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(results.every((r) => r.duplicate === true)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectExactly(seen, 10);
    expectExactly(await roomLog(room), 10);
  });

  it('publishes made while offline are delivered once, in order, after reconnect', async () => {
    const room = 'it:offline-queue';
    const link = await proxy();
    const publisher = client('pub', { url: link.url });
    const subscriber = client('sub');
    const seen = collect(subscriber, room);
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.join(room);
    await publisher.publish(room, 'n', 0);

    const down = nextEvent(publisher, 'disconnected');
    link.cut();
    expect(await down).toMatchObject({ reconnect: true });
    const acks = Array.from({ length: 49 }, (_, i) => publisher.publish(room, 'n', i + 1));
    expect(publisher.queued).toBe(49);
    // Nothing leaks out while offline.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toHaveLength(1);

    link.restore();
    const results = await Promise.all(acks);
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 49 }, (_, i) => i + 2));
    await waitFor(() => seen.length >= 50, '50 messages');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectExactly(seen, 50);
    expectExactly(await roomLog(room), 50);
  });

  it('a frozen link is detected by the heartbeat and recovered', async () => {
    const room = 'it:frozen';
    const link = await proxy();
    const subscriber = client('sub', { url: link.url, heartbeatGraceMs: 700 });
    const publisher = client('pub');
    const seen = collect(subscriber, room);
    await Promise.all([subscriber.connect(), publisher.connect()]);
    await subscriber.join(room);
    await publisher.publish(room, 'n', 0);

    const down = nextEvent(subscriber, 'disconnected');
    link.freeze();
    for (let i = 1; i < 20; i++) await publisher.publish(room, 'n', i);
    expect(await down).toMatchObject({ reason: 'heartbeat_timeout', reconnect: true });
    link.restore();
    await waitFor(() => seen.length >= 20, '20 messages');
    expectExactly(seen, 20);
  });

  it('gives up on a handshake that hangs without crashing, then connects', async () => {
    const link = await proxy();
    link.freeze();
    const c = client('slow', { url: link.url, connectTimeoutMs: 300 });
    const first = nextEvent(c, 'disconnected');
    const connected = c.connect();
    // `ws` is still in its HTTP handshake here: closing it must not crash the process.
    expect(await first).toMatchObject({ reason: 'connect_timeout', reconnect: true });
    link.restore();
    expect((await connected).user).toBe('slow');
  });

  it('survives a server restart: reconnects, reports the lost epoch, then flows again', async () => {
    const room = 'it:restart';
    const subscriber = client('sub');
    const publisher = client('pub');
    const seen = collect(subscriber, room);
    await Promise.all([subscriber.connect(), publisher.connect()]);
    await subscriber.join(room);
    await publisher.publish(room, 'n', 'before');
    await waitFor(() => seen.length === 1, 'the first message');

    const unrecovered = nextEvent(subscriber, 'unrecovered');
    const subscriberDown = nextEvent(subscriber, 'disconnected');
    const publisherDown = nextEvent(publisher, 'disconnected');
    const restarted = sb.restart();
    expect(await subscriberDown).toMatchObject({ reconnect: true });
    await publisherDown;
    // Published while the server is down or coming back: queued, then delivered once.
    const queued = publisher.publish(room, 'n', 'during');
    await restarted;
    expect(await unrecovered).toMatchObject({ room, reason: 'epoch_changed' });
    await queued;
    await publisher.publish(room, 'n', 'after');
    await waitFor(() => seen.length >= 3, 'messages after the restart');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // 'during' may land before or after the subscriber's rejoin: read from the new epoch's
    // start, or pushed live; either way exactly once.
    expect(seen.map((m) => m.data)).toEqual(['before', 'during', 'after']);
    expect((await roomLog(room)).map((m) => m.data)).toEqual(['during', 'after']);
  });

  it('refreshes a short-lived token on the live connection', async () => {
    const user = 'shortlived';
    let minted = 0;
    const c = client(user, {
      token: () => {
        minted += 1;
        return mintToken(sb.secret, { user, join: ['*'], publish: ['*'], ttlS: 3 });
      },
      refreshMarginMs: 1_500,
    });
    const refreshed: Array<number | undefined> = [];
    c.on('token', (e) => refreshed.push(e.expiresAt));
    let drops = 0;
    c.on('disconnected', () => {
      drops += 1;
    });
    const { conn, expiresAt } = await c.connect();
    expect(expiresAt).toBeGreaterThan(Date.now());
    // Outlive the first token plus the server's grace on one connection.
    await waitFor(() => Date.now() > (expiresAt ?? 0) + 3_500 && refreshed.length >= 2, 'refreshes', 20_000);
    expect(c.connection?.conn).toBe(conn);
    expect(drops).toBe(0);
    expect(minted).toBeGreaterThanOrEqual(3);
    await c.publish('it:token', 'still', 'works');
  });

  it('an expired token is replaced by a fresh one from the provider on reconnect', async () => {
    const user = 'expired';
    const tokens = [mintToken(sb.secret, { user, join: ['*'], publish: ['*'], ttlS: -60 })];
    const c = client(user, {
      token: () => tokens.shift() ?? mintToken(sb.secret, { user, join: ['*'], publish: ['*'] }),
    });
    const first = nextEvent(c, 'disconnected');
    const connected = c.connect();
    const event = await first;
    expect(event).toMatchObject({ reason: 'connect_rejected', reconnect: true });
    expect(event.error).toMatchObject({ code: 'request_failed', serverCode: 1101 });
    expect((await connected).user).toBe(user);
  });

  it('a token the server rejects for good stops reconnecting', async () => {
    const c = client('x', { token: () => 'not-a-jwt' });
    const event = nextEvent(c, 'disconnected');
    const connected = c.connect();
    expect(await event).toMatchObject({ reconnect: false });
    await expect(connected).rejects.toMatchObject({ code: 'connection_closed' });
    expect(c.state).toBe('disconnected');
  });

  it('presence follows joins and leaves of other connections', async () => {
    const room = 'it:presence';
    const alice = client('alice', { token: () => sb.token('alice', { meta: { name: 'Alice' } }) });
    const bob = client('bob');
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.join(room, { presence: true });
    await waitFor(() => alice.members(room)?.length === 1, 'alice sees herself');
    expect(alice.members(room)?.[0]).toMatchObject({ user: 'alice', meta: { name: 'Alice' } });
    await bob.join(room);
    await waitFor(() => alice.members(room)?.length === 2, 'alice sees bob');
    await bob.leave(room);
    await waitFor(() => alice.members(room)?.length === 1, 'alice sees bob leave');
    expect(alice.members(room)?.map((m) => m.user)).toEqual(['alice']);
  });

  it('requests reject with typed errors on error replies', async () => {
    const c = client('limited', {
      token: () => sb.token('limited', { join: ['open:*'], publish: ['open:*'] }),
    });
    await c.connect();
    await expect(c.join('closed:room')).rejects.toMatchObject({ code: 'request_failed', serverCode: 1004 });
    await expect(c.publish('closed:room', 'e', 1)).rejects.toMatchObject({
      serverCode: 1004,
      temporary: false,
    });
    expect(c.rooms).toEqual([]);
    expect((await c.publish('open:room', 'e', 1)).offset).toBe(1);
  });
});

describe('pushes from backends', () => {
  it('follows a server-side subscription and surfaces user notifications', async () => {
    const { encodeJson, Subjects } = await import('@switchboard/bus');
    const bus = await sb.connectBus();
    const walter = client('walter-sdk');
    const publisher = client('publisher-sdk');
    walter.connect();
    publisher.connect();
    await nextEvent(walter, 'connected');
    await nextEvent(publisher, 'connected');
    const joined = nextEvent(walter, 'joined');
    bus.publish(Subjects.controlUser('walter-sdk'), encodeJson({ action: 'subscribe', room: 'sdk-vip' }), {
      headers: { 'sb-kind': 'control' },
    });
    expect(await joined).toMatchObject({ room: 'sdk-vip', server: true, rejoin: false });
    const message = nextEvent(walter, 'message');
    await publisher.publish('sdk-vip', 'e', { n: 1 });
    expect(await message).toMatchObject({ room: 'sdk-vip', offset: 1, data: { n: 1 } });
    const notification = nextEvent(walter, 'notification');
    bus.publish(
      Subjects.apiUser,
      encodeJson({ user: 'walter-sdk', event: 'account', data: { plan: 'pro' } }),
    );
    expect(await notification).toMatchObject({ t: 'user', event: 'account', data: { plan: 'pro' } });
    await bus.close();
  });
});

import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { connectSocket, openSocket, startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

async function metric(sb: TestSwitchboard, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${sb.httpUrl}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

describe('bad input and limits', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard({
      config: { connectionRate: 20, connectionBurst: 20, outboundMaxBytes: 64 * 1024, maxFrameBytes: 4096 },
    });
  });
  afterAll(() => sb.stop());

  it('answers malformed JSON and unknown ops with coded errors and keeps serving', async () => {
    const bad = await connectSocket(sb.wsUrl, sb.token('bad'));
    const good = await connectSocket(sb.wsUrl, sb.token('good'));
    await good.call({ op: 'join', room: 'still-serving' });
    bad.send('{"op":"join",');
    expect((await bad.anonymousReply()).error?.code).toBe(ErrorCode.BadRequest);
    bad.send('[1,2,3]');
    expect((await bad.anonymousReply()).error?.code).toBe(ErrorCode.BadRequest);
    expect((await bad.request({ op: 'teleport' as 'ping' })).error).toMatchObject({
      code: ErrorCode.UnknownOp,
      message: 'unknown op "teleport"',
    });
    expect((await bad.request({ op: 'join', room: 'no spaces' })).error?.code).toBe(ErrorCode.BadRequest);
    bad.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await bad.anonymousReply()).error?.code).toBe(ErrorCode.BadRequest);
    expect(bad.isOpen()).toBe(true);
    await good.call({ op: 'publish', room: 'still-serving', event: 'e', data: 'ok' });
    expect((await good.push('msg')).data).toBe('ok');
    expect((await bad.call({ op: 'ping' })).constructor).toBe(Object);
    bad.close();
    good.close();
  });

  it('answers an oversized frame with error 1005 and keeps the connection; a huge one closes with 1009', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('big'));
    const reply = await socket.request({ op: 'publish', room: 'r', event: 'e', data: 'x'.repeat(5000) });
    expect(reply.error?.code).toBe(ErrorCode.TooLarge);
    expect(reply.error?.message).toContain('limit is 4096');
    expect((await socket.call({ op: 'ping' })).constructor).toBe(Object);
    socket.send(JSON.stringify({ op: 'ping', data: 'x'.repeat(4096 * 4 + 1) }));
    expect((await socket.closed).code).toBe(1009);
  });

  it('rate limits a connection with retry hints, then cuts a flood', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('fast'));
    const replies = await Promise.all(Array.from({ length: 30 }, () => socket.request({ op: 'ping' })));
    const limited = replies.filter((r) => r.error?.code === ErrorCode.RateLimited);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.error?.retryAfterMs).toBeGreaterThan(0);
    expect(socket.isOpen()).toBe(true);
    for (let i = 0; i < 100; i++) socket.send({ op: 'ping' });
    expect((await socket.closed).code).toBe(CloseCode.RateLimited);
  });
});

describe('slow consumers', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard({
      config: { connectionRate: 10_000, connectionBurst: 10_000, outboundMaxBytes: 256 * 1024 },
    });
  });
  afterAll(() => sb.stop());

  it('disconnects a slow consumer with 4002 while other members keep receiving', async () => {
    const publisher = await connectSocket(sb.wsUrl, sb.token('pub'));
    const healthy = await connectSocket(sb.wsUrl, sb.token('healthy'));
    const slow = await connectSocket(sb.wsUrl, sb.token('slow'));
    await healthy.call({ op: 'join', room: 'firehose' });
    await slow.call({ op: 'join', room: 'firehose' });
    // The slow client stops reading: the kernel buffers fill, then the edge's bounded queue.
    const raw = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    const payload = 'y'.repeat(50_000);
    let last = 0;
    for (let batch = 0; batch < 100 && sb.connectionCount() === 3; batch++) {
      const acks = await Promise.all(
        Array.from({ length: 10 }, () =>
          publisher.call({ op: 'publish', room: 'firehose', event: 'e', data: payload }),
        ),
      );
      last = Math.max(...acks.map((a) => a.offset));
      await healthy.push('msg', (m) => m.offset === last, 10_000);
    }
    expect(sb.connectionCount()).toBe(2);
    expect(await metric(sb, /switchboard_edge_disconnects_total\{reason="slow_consumer"\} (\d+)/)).toBe(1);
    raw.resume();
    expect((await slow.closed).code).toBe(CloseCode.SlowConsumer);
    // The healthy member got everything, in order.
    expect(healthy.pushes('msg').map((m) => m.offset)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    publisher.close();
    healthy.close();
  });
});

describe('token expiry and refresh', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard({ config: { tokenExpiryGraceMs: 600, jwtClockToleranceS: 0 } });
  });
  afterAll(() => sb.stop());

  it('asks for a refresh at expiry and closes with 4001 when none comes', async () => {
    // exp has one-second resolution: ttl 1 s can be (nearly) over before the upgrade is verified.
    const socket = await connectSocket(sb.wsUrl, sb.token('late', { ttlS: 2 }));
    const notice = await socket.push('refresh', undefined, 4000);
    expect(notice.deadline).toBeGreaterThan(Date.now() - 1000);
    expect((await socket.closed).code).toBe(CloseCode.TokenExpired);
  });

  it('keeps a connection whose token is refreshed before expiry', async () => {
    // exp has one-second resolution: ttl 2 s leaves at least 1 s before the first token expires.
    const socket = await connectSocket(sb.wsUrl, sb.token('fresh', { ttlS: 2 }));
    const result = await socket.call({ op: 'refresh', token: sb.token('fresh', { ttlS: 60 }) });
    expect(result.expiresAt).toBeGreaterThan(Date.now() + 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect(socket.isOpen()).toBe(true);
    expect(socket.pushes('refresh')).toHaveLength(0);
    socket.close();
  });

  it('refuses a refresh token for another user', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('me'));
    expect((await socket.request({ op: 'refresh', token: sb.token('someone-else') })).error?.code).toBe(
      ErrorCode.TokenUserMismatch,
    );
    expect((await socket.request({ op: 'refresh', token: 'junk' })).error?.code).toBe(ErrorCode.TokenInvalid);
    expect(socket.isOpen()).toBe(true);
    socket.close();
  });
});

describe('heartbeats', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard({ config: { pingIntervalMs: 500 } });
  });
  afterAll(() => sb.stop());

  it('sends app-level pings a browser can see, and keeps answering clients alive', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('alive'));
    await socket.push('ping');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(socket.isOpen()).toBe(true);
    socket.close();
  });

  it('reaps a connection that stops answering pings', async () => {
    const ws = new WebSocket(sb.wsUrl, { autoPong: false });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ op: 'connect', token: sb.token('dead') }));
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    expect(code).toBe(1006);
    expect(sb.connectionCount()).toBe(0);
  });
});

describe('HTTP surface', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard({ config: { allowedOrigins: ['https://app.example'], maxConnections: 2 } });
  });
  afterAll(() => sb.stop());

  it('answers plain HTTP on the WebSocket port with 426', async () => {
    const res = await fetch(sb.wsUrl.replace('ws:', 'http:'));
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
  });

  it('serves health, readiness and metrics on their own port', async () => {
    expect((await fetch(`${sb.httpUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${sb.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', reasons: [] });
    const socket = await connectSocket(sb.wsUrl, sb.token('m'));
    const text = await (await fetch(`${sb.httpUrl}/metrics`)).text();
    expect(text).toContain('switchboard_edge_connections 1');
    expect(text).toContain('switchboard_edge_command_duration_seconds_bucket');
    expect(text).toContain('switchboard_delivery_latency_seconds_bucket');
    socket.close();
  });

  it('checks Origin against the allowlist', async () => {
    await expect(openSocket(sb.wsUrl, { headers: { Origin: 'https://evil.example' } })).rejects.toMatchObject(
      { status: 403 },
    );
    const allowed = await openSocket(sb.wsUrl, { headers: { Origin: 'https://app.example' } });
    allowed.close();
    await allowed.closed;
  });

  it('caps open connections with 503', async () => {
    const a = await openSocket(sb.wsUrl);
    const b = await openSocket(sb.wsUrl);
    await expect(openSocket(sb.wsUrl)).rejects.toMatchObject({ status: 503 });
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
  });

  it('cleans up membership, presence, rooms and the gauge on close', async () => {
    const x = await connectSocket(sb.wsUrl, sb.token('x'));
    const y = await connectSocket(sb.wsUrl, sb.token('y'));
    await x.call({ op: 'join', room: 'cleanup-1' });
    await x.call({ op: 'join', room: 'cleanup-2' });
    await y.call({ op: 'join', room: 'cleanup-1' });
    expect(await metric(sb, /switchboard_edge_rooms (\d+)/)).toBe(2);
    x.close();
    await x.closed;
    await y.push('presence', (p) => p.leaves?.[0]?.user === 'x');
    expect((await y.call({ op: 'presence', room: 'cleanup-1' })).members.map((m) => m.user)).toEqual(['y']);
    expect(await metric(sb, /switchboard_edge_rooms (\d+)/)).toBe(1);
    y.close();
    await y.closed;
    for (let i = 0; i < 100 && (await metric(sb, /switchboard_edge_connections (\d+)/)) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect(await metric(sb, /switchboard_edge_rooms (\d+)/)).toBe(0);
    expect(await metric(sb, /switchboard_edge_connections (\d+)/)).toBe(0);
  });
});

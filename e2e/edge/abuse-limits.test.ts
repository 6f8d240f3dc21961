import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import {
  connectSocket,
  openSocket,
  startSwitchboard,
  type TestSocket,
  type TestSwitchboard,
} from '@switchboard/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/** A raw upgrade request: the status and Retry-After of a refusal (101 means it was accepted). */
function upgrade(
  wsUrl: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter?: string }> {
  const url = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: '/',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve({ status: 101 });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({
        status: res.statusCode ?? 0,
        ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('abuse limits at the edge', () => {
  const servers: TestSwitchboard[] = [];
  const sockets: TestSocket[] = [];
  const start = async (
    config: Parameters<typeof startSwitchboard>[0] extends infer O
      ? O extends { config?: infer C }
        ? C
        : never
      : never,
  ) => {
    const sb = await startSwitchboard({ config });
    servers.push(sb);
    return sb;
  };
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    for (const sb of servers) await sb.stop();
  });

  it('SB_MAX_CONNECTIONS_PER_IP: one more gets 429 with Retry-After; a slot frees on close', async () => {
    const sb = await start({ maxConnectionsPerIp: 2 });
    sockets.push(await connectSocket(sb.wsUrl, sb.token('a')), await connectSocket(sb.wsUrl, sb.token('b')));
    const refused = await upgrade(sb.wsUrl);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    const first = sockets.shift()!;
    first.close();
    await first.closed;
    await new Promise((r) => setTimeout(r, 100));
    sockets.push(await connectSocket(sb.wsUrl, sb.token('c')));
  });

  it('SB_UPGRADE_RATE_PER_IP: upgrades beyond the burst get 429 with Retry-After', async () => {
    const sb = await start({ upgradeRatePerIp: 1, upgradeBurstPerIp: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await upgrade(sb.wsUrl));
    expect(statuses.slice(0, 3).map((s) => s.status)).toEqual([101, 101, 101]);
    expect(statuses[3]).toMatchObject({ status: 429 });
    expect(Number(statuses[3]!.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('X-Forwarded-For counts only from SB_TRUSTED_PROXIES', async () => {
    const trusting = await start({ maxConnectionsPerIp: 1, trustedProxies: ['127.0.0.0/8'] });
    const xff = (ip: string) => ({ headers: { 'X-Forwarded-For': `198.51.100.9, ${ip}` } });
    const a = await openSocket(trusting.wsUrl, xff('203.0.113.5'));
    const b = await openSocket(trusting.wsUrl, xff('203.0.113.6'));
    sockets.push(a, b);
    expect((await upgrade(trusting.wsUrl, { 'X-Forwarded-For': '203.0.113.5' })).status).toBe(429);

    const untrusting = await start({ maxConnectionsPerIp: 1 });
    sockets.push(await openSocket(untrusting.wsUrl, xff('203.0.113.7')));
    // The header is ignored: the peer (127.0.0.1) is the client, and it has its one connection.
    expect((await upgrade(untrusting.wsUrl, { 'X-Forwarded-For': '203.0.113.8' })).status).toBe(429);
  });

  it('SB_MAX_UNAUTHENTICATED_PER_IP: silent sockets are bounded per IP; authenticated ones are not', async () => {
    const sb = await start({ maxUnauthenticatedPerIp: 2, authTimeoutMs: 60_000 });
    const silent = [await openSocket(sb.wsUrl), await openSocket(sb.wsUrl)];
    sockets.push(...silent);
    expect((await upgrade(sb.wsUrl)).status).toBe(429);
    // A bearer upgrade is verified before it completes: not counted as waiting.
    sockets.push(await openSocket(sb.wsUrl, { headers: { Authorization: `Bearer ${sb.token('svc')}` } }));
    // Once one of them authenticates, its slot is free.
    await silent[0]!.call({ op: 'connect', token: sb.token('late') });
    sockets.push(await openSocket(sb.wsUrl));
  });

  it('does not disclose the expected issuer or audience to unauthenticated clients', async () => {
    const sb = await start({ jwtIssuer: 'https://issuer.internal.example', jwtAudience: 'secret-audience' });
    const socket = await openSocket(sb.wsUrl);
    const reply = await socket.request({ op: 'connect', token: sb.token('x') });
    expect(reply.error?.message).not.toMatch(/issuer\.internal|secret-audience/);
  });

  it('closes a client that does not finish its upgrade headers within ~10 s (not 18–26 s)', {
    timeout: 20_000,
  }, async () => {
    const sb = await start({});
    const url = new URL(sb.wsUrl);
    const started = Date.now();
    const elapsed = await new Promise<number>((resolve) => {
      const socket = tcpConnect(Number(url.port), url.hostname, () =>
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n'),
      );
      socket.on('error', () => {});
      socket.resume(); // read the 408, so the close is seen
      socket.on('close', () => resolve(Date.now() - started));
    });
    expect(elapsed).toBeGreaterThanOrEqual(9_500);
    expect(elapsed).toBeLessThan(13_000);
  });
});

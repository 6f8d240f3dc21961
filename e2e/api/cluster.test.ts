import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mintToken } from '@switchboard/auth';
import { CloseCode } from '@switchboard/protocol';
import { GrpcServerClient } from '@switchboard/server-sdk';
import { NatsServerClient } from '@switchboard/server-sdk/nats';
import { CLUSTER_SECRET, type Cluster, freePort, openSocket, startCluster } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The API service as its own process (`services/api/src/main.ts`) in a real cluster: two edge
 * processes, router, presence and auth over NATS, state in Redis.
 */
const API_KEY = 'cluster-api-key-0123456789abcdef0123456789';
const REPO = fileURLToPath(new URL('../../', import.meta.url));

let cluster: Cluster;
let apiProcess: ChildProcess;
let apiLog = '';
let grpcUrl: string;
let api: GrpcServerClient;

beforeAll(async () => {
  cluster = await startCluster({ edges: 2, routers: 1, env: { SB_LOG_LEVEL: 'warn' } });
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  apiProcess = spawn(process.execPath, ['--import', 'tsx', 'services/api/src/main.ts'], {
    cwd: REPO,
    env: {
      PATH: process.env['PATH'] ?? '',
      ...cluster.busEnv('api'),
      SB_GRPC_HOST: '127.0.0.1',
      SB_GRPC_PORT: String(grpcPort),
      SB_HTTP_HOST: '127.0.0.1',
      SB_HTTP_PORT: String(httpPort),
      SB_API_KEYS: API_KEY,
      SB_NODE_ID: 'api-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  apiProcess.stdout!.on('data', (d: Buffer) => {
    apiLog += String(d);
  });
  apiProcess.stderr!.on('data', (d: Buffer) => {
    apiLog += String(d);
  });
  grpcUrl = `127.0.0.1:${grpcPort}`;
  api = new GrpcServerClient({ url: grpcUrl, apiKey: API_KEY, timeoutMs: 3_000 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`api service did not become ready:\n${apiLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);

afterAll(async () => {
  await api?.close();
  apiProcess?.kill('SIGTERM');
  await cluster?.stop();
}, 60_000);

async function onEdge(edge: number, user: string) {
  const socket = await openSocket(cluster.edgeUrls[edge]!);
  const session = await socket.call({ op: 'connect', token: cluster.token(user) });
  return { socket, conn: session.conn };
}

describe('the api service in a cluster (2 edges, NATS, Redis)', () => {
  it('reports SERVING on grpc.health.v1', async () => {
    expect(await api.health()).toBe('SERVING');
  });

  it('Disconnect closes the user’s sockets on every edge with the given code', async () => {
    const a = await onEdge(0, 'mallory');
    const b = await onEdge(1, 'mallory');
    const c = await onEdge(1, 'mallory');
    const bystander = await onEdge(0, 'trent');
    await api.disconnect({ user: 'mallory', code: 4601, reason: 'account suspended' });
    for (const s of [a, b, c]) {
      expect(await s.socket.closed).toEqual({ code: 4601, reason: 'account suspended' });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(bystander.socket.isOpen()).toBe(true);
    bystander.socket.close();
  });

  it('RevokeToken and RevokeUser close the holders on both edges with 4501 within a second', async () => {
    const token = mintToken(CLUSTER_SECRET, { user: 'oscar', jti: 'cluster-jti-1', ttlS: 600 });
    const holders = [];
    for (const edge of [0, 1]) {
      const socket = await openSocket(cluster.edgeUrls[edge]!);
      await socket.call({ op: 'connect', token });
      holders.push(socket);
    }
    const otherToken = await onEdge(1, 'oscar');
    let started = Date.now();
    await api.revokeToken({ jti: 'cluster-jti-1' });
    for (const socket of holders) expect((await socket.closed).code).toBe(CloseCode.Forbidden);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(otherToken.socket.isOpen()).toBe(true);

    const users = [await onEdge(0, 'olga'), await onEdge(1, 'olga')];
    started = Date.now();
    await api.revokeUser({ user: 'olga' });
    for (const u of users) expect((await u.socket.closed).code).toBe(CloseCode.Forbidden);
    expect(Date.now() - started).toBeLessThan(1_000);
    otherToken.socket.close();
  });

  it('Disconnect by connection id finds it on whichever edge holds it', async () => {
    const a = await onEdge(0, 'peggy');
    const b = await onEdge(1, 'peggy');
    await api.disconnect({ conn: b.conn, code: 4000, reason: 'move' });
    expect((await b.socket.closed).code).toBe(4000);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.socket.isOpen()).toBe(true);
    a.socket.close();
  });

  it('Subscribe reaches the user on another edge; publishes over NATS (server SDK) arrive', async () => {
    const victor = await onEdge(1, 'victor');
    await api.subscribe({ user: 'victor', room: 'ops:alerts' });
    await victor.socket.push('joined', (j) => j.room === 'ops:alerts');
    // Presence stats are an admin read: the api identity (a backend may only publish).
    const nats = await NatsServerClient.connect({ ...cluster.busOptions('api'), name: 'cluster-test' });
    try {
      const published = await nats.publish({ room: 'ops:alerts', event: 'alert', data: { level: 'high' } });
      expect(published.offset).toBeGreaterThanOrEqual(1);
      expect(await victor.socket.push('msg', (m) => m.room === 'ops:alerts')).toMatchObject({
        event: 'alert',
        data: { level: 'high' },
        offset: published.offset,
      });
      expect(await nats.presenceStats('ops:alerts')).toEqual({ connections: 1, users: 1 });
      const rooms = await api.rooms();
      expect(rooms.rooms).toContainEqual({ room: 'ops:alerts', connections: 1, users: 1 });
      const history = await api.history({ room: 'ops:alerts' });
      expect(history.messages.map((m) => m.data)).toEqual([{ level: 'high' }]);
    } finally {
      await nats.close();
      victor.socket.close();
    }
  });

  it('Info lists both edges with their connections, and the api node', async () => {
    const s = await onEdge(0, 'walter');
    const deadline = Date.now() + 10_000;
    let info = await api.info();
    while (Date.now() < deadline) {
      const edges = info.nodes.filter((n) => n.kind === 'edge');
      if (edges.length === 2 && edges.some((e) => e.node === 'edge-1' && e.connections >= 1)) break;
      await new Promise((r) => setTimeout(r, 250));
      info = await api.info();
    }
    expect(info.nodes.filter((n) => n.kind === 'edge').map((n) => n.node)).toEqual(['edge-1', 'edge-2']);
    expect(info.nodes.find((n) => n.node === 'edge-1')!.connections).toBeGreaterThanOrEqual(1);
    expect(info.answeredBy).toBe('api-1');
    s.socket.close();
  });
});

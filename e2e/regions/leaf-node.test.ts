import { SwitchboardClient } from '@switchboard/client';
import { NatsServerClient } from '@switchboard/server-sdk/nats';
import {
  freePort,
  type NatsClusterHandle,
  type RedisServerHandle,
  spawnTsx,
  startNatsCluster,
  startRedisServer,
  startSwitchboard,
  type TestSwitchboard,
  type TsxProcess,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

/**
 * Two "regions" on loopback, as in docs/multi-region.md: `eu` is the rooms' home (NATS, Redis,
 * auth, routers, presence and an edge); `us` has its own nats-server, joined to eu's as a leaf
 * node, and only an edge. A user connected in us joins and receives; a backend in us publishes
 * through its local NATS (the server SDK's NATS path, `sb.api.publish`), and the request
 * crosses the leaf connection to eu's routers, whose fan-out crosses back to the us edge.
 */

let eu: NatsClusterHandle;
let us: NatsClusterHandle;
let redis: RedisServerHandle;
let home: TestSwitchboard;
let usEdge: TsxProcess;
let usEdgeUrl: string;
const clients: SwitchboardClient[] = [];

async function waitReady(httpPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the us edge was not ready in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  const leafPort = await freePort();
  eu = await startNatsCluster({
    nodes: 1,
    name: 'eu',
    extraConfig: () => `leafnodes {\n  listen: 127.0.0.1:${leafPort}\n}`,
  });
  us = await startNatsCluster({
    nodes: 1,
    name: 'us',
    extraConfig: () => `leafnodes {\n  remotes: [{ url: "nats-leaf://127.0.0.1:${leafPort}" }]\n}`,
  });
  redis = await startRedisServer();
  home = await startSwitchboard({
    config: { bus: 'nats', natsUrl: eu.url, store: 'redis', redisUrl: redis.url, userPublishRate: 0 },
  });
  const [wsPort, httpPort] = [await freePort(), await freePort()];
  usEdge = spawnTsx('services/edge/src/main.ts', [], {
    SB_BUS: 'nats',
    SB_NATS_URL: us.url,
    SB_NODE_ID: 'edge-us-1',
    SB_WS_HOST: '127.0.0.1',
    SB_WS_PORT: String(wsPort),
    SB_HTTP_HOST: '127.0.0.1',
    SB_HTTP_PORT: String(httpPort),
    SB_LOG_LEVEL: 'warn',
  });
  usEdgeUrl = `ws://127.0.0.1:${wsPort}`;
  await waitReady(httpPort, 45_000);
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.disconnect().catch(() => [])));
  usEdge?.child.kill('SIGTERM');
  await usEdge?.exited;
  await home?.stop();
  await Promise.all([us?.stop(), eu?.stop(), redis?.stop()]);
});

function user(name: string, url: string): SwitchboardClient {
  const client = new SwitchboardClient({ url, token: () => home.token(name), WebSocket });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

describe('two regions joined by a NATS leaf node', () => {
  it('a backend in one region reaches users connected to an edge in the other', async () => {
    const room = 'news:regions';
    const inUs = user('alice', usEdgeUrl);
    const inEu = user('bob', home.wsUrl);
    const received = { us: [] as unknown[], eu: [] as unknown[] };
    inUs.on('message', (m) => received.us.push(m.data));
    inEu.on('message', (m) => received.eu.push(m.data));
    // Connecting in us verifies the token with eu's auth service, over the leaf connection.
    await inUs.connect();
    await inEu.connect();
    await inUs.join(room);
    await inEu.join(room);

    // A backend in us, on us's NATS only: the request crosses to eu's routers (the room's home).
    const usBackend = await NatsServerClient.connect({ servers: us.url, name: 'backend-us' });
    const euBackend = await NatsServerClient.connect({ servers: eu.url, name: 'backend-eu' });
    try {
      const startedAt = performance.now();
      const fromUs = await usBackend.publish({ room, event: 'note', data: { from: 'us' } });
      const fromEu = await euBackend.publish({ room, event: 'note', data: { from: 'eu' } });
      expect(fromEu.offset).toBe(fromUs.offset + 1);
      const deadline = Date.now() + 10_000;
      while ((received.us.length < 2 || received.eu.length < 2) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const roundTripMs = performance.now() - startedAt;
      expect(received.us).toEqual([{ from: 'us' }, { from: 'eu' }]);
      expect(received.eu).toEqual([{ from: 'us' }, { from: 'eu' }]);
      // And a user's own publish from us: acked by eu's router, delivered in both regions.
      const ack = await inUs.publish(room, 'note', { from: 'alice' });
      expect(ack.offset).toBe(fromEu.offset + 1);
      console.log(
        `[region-figures] leaf node: both regions delivered 2 backend publishes in ${Math.round(roundTripMs)} ms`,
      );
    } finally {
      await usBackend.close();
      await euBackend.close();
    }
  }, 30_000);
});

import { SwitchboardClient } from '@switchboard/client';
import { nextEvent, waitFor } from '@switchboard/client/test-support/wait';
import { startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TcpProxy } from './tcp-proxy.js';

/**
 * A path that dies without a FIN or RST (a blackholed route, a NAT that dropped its entry) is
 * found by both ends within the documented bounds (docs/protocol.md, "Heartbeats"):
 *   client: ping + heartbeatGraceMs        server: ping + SB_PONG_TIMEOUT_MS
 * The same formulas as the defaults (10 s + 5 s), with short settings so the test is quick, and
 * different allowances on each end so that each end is seen to find the dead path by itself.
 */

const PING_MS = 1_000;
const PONG_TIMEOUT_MS = 400;
const GRACE_MS = 700;
/** Timer and scheduling slack on a loaded CI box. */
const SLACK_MS = 300;

let sb: TestSwitchboard;

beforeAll(async () => {
  sb = await startSwitchboard({ config: { pingIntervalMs: PING_MS, pongTimeoutMs: PONG_TIMEOUT_MS } });
});

afterAll(async () => {
  await sb?.stop();
});

describe('a blackholed link (no FIN)', () => {
  it('is found by the SDK and by the edge within their bounds', async () => {
    const link = await TcpProxy.start(Number(new URL(sb.wsUrl).port));
    const client = new SwitchboardClient({
      url: link.url,
      token: () => sb.token('mobile'),
      WebSocket,
      heartbeatGraceMs: GRACE_MS,
      // No reconnect during the measurement: the edge's count must only lose this connection.
      reconnect: { initialDelayMs: 30_000, maxDelayMs: 30_000 },
    });
    try {
      await client.connect();
      await client.join('blackhole');
      expect(sb.connectionCount()).toBe(1);
      // Let a heartbeat go by, so the freeze falls somewhere inside an interval.
      await new Promise((resolve) => setTimeout(resolve, PING_MS * 1.3));

      const sdkDown = nextEvent(client, 'disconnected').then((event) => ({ event, at: performance.now() }));
      let edgeDownAt: number | undefined;
      const frozenAt = performance.now();
      link.freeze();
      await waitFor(
        () => {
          if (sb.connectionCount() === 0) edgeDownAt ??= performance.now();
          return edgeDownAt !== undefined;
        },
        'the edge to close the silent connection',
        10_000,
      );
      const sdk = await sdkDown;

      const sdkMs = sdk.at - frozenAt;
      const edgeMs = edgeDownAt! - frozenAt;
      console.log(`dead path found: SDK after ${Math.round(sdkMs)} ms, edge after ${Math.round(edgeMs)} ms`);
      expect(sdk.event).toMatchObject({ reason: 'heartbeat_timeout' });
      expect(sdkMs).toBeLessThanOrEqual(PING_MS + GRACE_MS + SLACK_MS);
      expect(edgeMs).toBeLessThanOrEqual(PING_MS + PONG_TIMEOUT_MS + SLACK_MS);
      // Neither end gave up on a link that was merely quiet for less than its allowance.
      expect(sdkMs).toBeGreaterThanOrEqual(GRACE_MS);
      expect(edgeMs).toBeGreaterThanOrEqual(PONG_TIMEOUT_MS - 50);
    } finally {
      await client.disconnect();
      await link.close();
    }
  });
});

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The harness lives in @switchboard/testing, which depends on this package: import its source
// directly rather than make the dependency circular.
import { type NatsServerHandle, startNatsServer } from '../../testing/src/servers.js';

/**
 * What `patches/@nats-io__nats-core@3.4.0.patch` changes in the NATS client, against a real
 * nats-server: a callback subscription allocates no deferred promises until something asks for
 * them (an edge holds two subscriptions per connected user), and every promise a caller may
 * wait on still settles.
 */
let nats: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/** The patched client's backing fields for its deferred promises. */
type LazyFields = { _closed?: unknown; _signal?: unknown; _iterClosed?: unknown };

describe('patched nats-core', () => {
  it('creates no deferred promise for a callback subscription until one is asked for', async () => {
    const got: string[] = [];
    const sub = nc.subscribe('patch.lazy', {
      callback: (_err, msg) => {
        got.push(msg.string());
      },
    });
    nc.publish('patch.lazy', 'a');
    await nc.flush();
    await waitFor(() => got.length === 1);
    // Unpatched, each is an own property holding a deferred from the constructor on.
    for (const name of ['closed', 'signal', 'iterClosed']) expect(Object.hasOwn(sub, name)).toBe(false);
    const fields = sub as unknown as LazyFields;
    expect(fields._closed).toBeUndefined();
    expect(fields._signal).toBeUndefined();
    expect(fields._iterClosed).toBeUndefined();
    const closed = sub.closed;
    expect(fields._closed).toBe(closed);
    sub.unsubscribe();
    await closed;
  });

  it('still resolves `closed` of a callback subscription on unsubscribe, asked before or after', async () => {
    const early = nc.subscribe('patch.closed.1', { callback: () => {} });
    const earlyClosed = early.closed;
    early.unsubscribe();
    await expect(earlyClosed).resolves.toBeUndefined();
    const late = nc.subscribe('patch.closed.2', { callback: () => {} });
    late.unsubscribe();
    await expect(late.closed).resolves.toBeUndefined();
  });

  it('still iterates an iterator subscription, and ends its loop and `closed` on unsubscribe', async () => {
    const sub = nc.subscribe('patch.iter');
    const got: string[] = [];
    const loop = (async () => {
      for await (const msg of sub) {
        got.push(msg.string());
        if (got.length === 2) sub.unsubscribe();
      }
    })();
    nc.publish('patch.iter', '1');
    nc.publish('patch.iter', '2');
    await nc.flush();
    await loop;
    expect(got).toEqual(['1', '2']);
    await expect(sub.closed).resolves.toBeUndefined();
  });

  it('resolves `closed` of every subscription when the connection closes', async () => {
    const other = await connect({ servers: nats.url });
    const a = other.subscribe('patch.close.a', { callback: () => {} });
    // An iterator subscription closes once its loop has consumed the close.
    const b = other.subscribe('patch.close.b');
    const loop = (async () => {
      for await (const _ of b);
    })();
    await other.close();
    await loop;
    await expect(Promise.all([a.closed, b.closed])).resolves.toEqual([undefined, undefined]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

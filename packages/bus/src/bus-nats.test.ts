import { pino } from 'pino';
import * as v from 'valibot';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// The harness lives in @switchboard/testing, which depends on this package: import its source
// directly rather than make the dependency circular.
import { type NatsServerHandle, startNatsServer } from '../../testing/src/servers.js';
import { busContract } from './bus.contract.js';
import type { BusMessage, BusStatus } from './bus.js';
import { NatsBus } from './bus-nats.js';
import { BadSubjectError, ClosedError, NoRespondersError, TimeoutError } from './errors.js';
import { decodeText, encodeText } from './json.js';
import { serve } from './rpc.js';
import { RpcBatchHeader } from './rpc-batch.js';
import { RpcClient } from './rpc-client.js';
import { rpcDescriptor } from './rpc-descriptor.js';

// One nats-server for the contract; the fault tests start their own, since they kill it.
let nats: NatsServerHandle;

beforeAll(async () => {
  nats = await startNatsServer();
});

afterAll(async () => {
  await nats?.stop();
});

busContract('nats', () => NatsBus.connect({ servers: nats.url }));

describe('NatsBus', () => {
  const opened: NatsBus[] = [];
  const open = async (log?: pino.Logger) => {
    const bus = await NatsBus.connect({ servers: nats.url, log });
    opened.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
  });

  it('keeps a subscription alive when its handler throws, and logs the error', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const a = await open(log);
    const b = await open();
    const got: string[] = [];
    a.subscribe('n.throws', (msg) => {
      const text = decodeText(msg.data);
      got.push(text);
      if (text === '1') throw new Error('handler bug');
    });
    await a.flush();
    for (const n of ['1', '2', '3']) b.publish('n.throws', encodeText(n));
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['1', '2', '3']);
    expect(lines.join('')).toContain('handler bug');
  });

  it('gives undefined headers and reply when a message has none', async () => {
    const a = await open();
    const got = deferred<BusMessage>();
    a.subscribe('n.plain', (msg) => got.resolve(msg));
    await a.flush();
    a.publish('n.plain', encodeText('x'));
    const msg = await got.promise;
    expect(msg.headers).toBeUndefined();
    expect(msg.reply).toBeUndefined();
  });

  it('keeps the NATS error as `cause` of the runtime error', async () => {
    const a = await open();
    const error = await a.request('n.nobody', encodeText('x'), { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoRespondersError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('refuses bad subjects synchronously, in request too', async () => {
    const a = await open();
    expect(() => a.request('bad subject', encodeText('x'), { timeoutMs: 100 })).toThrow(BadSubjectError);
    expect(() => a.subscribe('', () => {})).toThrow(BadSubjectError);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const a = await open();
    await Promise.all([a.close(), a.close()]);
    await a.close();
    expect(a.status()).toBe('closed');
    expect(() => a.publish('n.x', encodeText('x'))).toThrow(ClosedError);
    expect(() => a.subscribe('n.x', () => {})).toThrow(ClosedError);
    await expect(a.request('n.x', encodeText('x'), { timeoutMs: 100 })).rejects.toBeInstanceOf(ClosedError);
    await expect(a.flush()).rejects.toBeInstanceOf(ClosedError);
  });

  it('carries coalesced calls (the batch header, an array body) between two connections', async () => {
    const service = await open();
    const caller = await open();
    const square = rpcDescriptor({
      subject: 'n.square',
      queue: 'n-square',
      request: v.object({ n: v.number() }),
      reply: v.object({ n: v.number() }),
      batch: true,
    });
    const batches: Array<string | undefined> = [];
    service.subscribe(square.subject, (msg) => batches.push(msg.headers?.[RpcBatchHeader]));
    serve(service, square, ({ n }) => ({ n: n * n }), pino({ level: 'silent' }));
    await service.flush();
    const rpc = new RpcClient(caller, 2_000);
    expect(await Promise.all([1, 2, 3].map((n) => rpc.call(square, { n })))).toEqual([
      { n: 1 },
      { n: 4 },
      { n: 9 },
    ]);
    expect(batches).toEqual(['3']);
  });

  it('shares one PING among the flushes of one turn, each covering what its caller sent before', async () => {
    const a = await open();
    const b = await open();
    const got: string[] = [];
    a.subscribe('n.flush.1', (msg) => got.push(decodeText(msg.data)));
    const first = a.flush();
    a.subscribe('n.flush.2', (msg) => got.push(decodeText(msg.data)));
    const second = a.flush();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    // A call after the shared PING went out gets its own.
    const third = a.flush();
    expect(third).not.toBe(first);
    await third;
    b.publish('n.flush.1', encodeText('1'));
    b.publish('n.flush.2', encodeText('2'));
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['1', '2']);
  });

  it('fails to connect with ClosedError when no server answers', async () => {
    const dead = await startNatsServer();
    const url = dead.url;
    await dead.stop();
    await expect(NatsBus.connect({ servers: url, connectTimeoutMs: 1000 })).rejects.toBeInstanceOf(
      ClosedError,
    );
  });
});

describe('NatsBus when nats-server dies', () => {
  let server: NatsServerHandle;
  const opened: NatsBus[] = [];
  const open = async () => {
    // Short reconnect waits so the test does not wait on the production defaults.
    const bus = await NatsBus.connect({
      servers: server.url,
      reconnectTimeWaitMs: 100,
      reconnectJitterMs: 50,
    });
    opened.push(bus);
    return bus;
  };

  beforeEach(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
    await server.stop();
  });

  it('reports disconnected on SIGKILL, then connected after a restart on the same port, and the old subscription still receives', async () => {
    const sub = await open();
    const pub = await open();
    const seen: BusStatus[] = [];
    sub.onStatus((s) => seen.push(s));
    const got: string[] = [];
    sub.subscribe('f.room', (msg) => got.push(decodeText(msg.data)));
    await sub.flush();
    pub.publish('f.room', encodeText('before'));
    await waitFor(() => got.length === 1);

    const pid = server.pid;
    await server.kill('SIGKILL');
    expect(pid).toBeTypeOf('number');
    expect(server.pid).toBeUndefined();
    await waitFor(() => sub.status() === 'disconnected');
    expect(seen).toEqual(['disconnected']);

    await server.restart();
    await waitFor(() => sub.status() === 'connected' && pub.status() === 'connected', 10_000);
    expect(seen).toEqual(['disconnected', 'connected']);
    // No new subscribe call: the client resent the subscription itself.
    await sub.flush();
    pub.publish('f.room', encodeText('after'));
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['before', 'after']);
  });

  it('rejects a request made while disconnected at once with ClosedError', async () => {
    const bus = await open();
    await server.kill();
    await waitFor(() => bus.status() === 'disconnected');
    const started = Date.now();
    await expect(bus.request('f.req', encodeText('x'), { timeoutMs: 2000 })).rejects.toBeInstanceOf(
      ClosedError,
    );
    expect(Date.now() - started).toBeLessThan(500);
    // Publishing while disconnected is allowed (at most once: it may be lost).
    expect(() => bus.publish('f.req', encodeText('x'))).not.toThrow();
  });

  it('rejects a request in flight when the server dies with TimeoutError, not later than its timeout', async () => {
    const bus = await open();
    const responder = await open();
    responder.subscribe('f.silent', () => {});
    await responder.flush();
    const started = Date.now();
    const pending = bus.request('f.silent', encodeText('x'), { timeoutMs: 600 });
    await server.kill();
    await expect(pending).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(600 + 400);
  });

  it('closes promptly while disconnected', async () => {
    const bus = await open();
    bus.subscribe('f.x', () => {});
    await server.kill();
    await waitFor(() => bus.status() === 'disconnected');
    const started = Date.now();
    await bus.close();
    expect(bus.status()).toBe('closed');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

import { ErrorCode } from '@switchboard/protocol';
import { silentLogger } from '@switchboard/telemetry';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusMessage } from './bus.js';
import { MemoryBus, MemoryBusHub } from './bus-memory.js';
import { BadSubjectError, ClosedError, RemoteError, TimeoutError } from './errors.js';
import { encodeJson } from './json.js';
import { serve } from './rpc.js';
import { encodeBatchReply, RpcBatchHeader } from './rpc-batch.js';
import { RpcClient } from './rpc-client.js';
import { rpcDescriptor } from './rpc-descriptor.js';
import { errorCodeForStatus, GrpcStatusCode, grpcStatusFor, knownCodedError } from './rpc-errors.js';

const add = rpcDescriptor({
  subject: 'sb.test.add',
  queue: 'sb-test',
  request: v.object({ a: v.number(), b: v.optional(v.number(), 1) }),
  reply: v.object({ sum: v.number() }),
});

describe('serve and RpcClient.call', () => {
  let bus: MemoryBus;
  let rpc: RpcClient;
  beforeEach(() => {
    bus = new MemoryBus(new MemoryBusHub());
    rpc = new RpcClient(bus, 500);
  });
  afterEach(() => bus.close());

  it('validates the body for the handler (defaults applied) and the reply for the caller', async () => {
    serve(bus, add, ({ a, b }) => ({ sum: a + b }), silentLogger());
    expect(await rpc.call(add, { a: 2 })).toEqual({ sum: 3 });
  });

  it('tells the metrics hook each answer: subject, ok or the error name, and a duration', async () => {
    const served: Array<[string, string, number]> = [];
    const metrics = {
      served: (subject: string, result: string, s: number) => served.push([subject, result, s]),
    };
    serve(bus, add, ({ a, b }) => ({ sum: a + b }), silentLogger(), metrics);
    await rpc.call(add, { a: 2 });
    await bus.request(add.subject, encodeJson({ a: 'x' }), { timeoutMs: 500 });
    expect(served.map(([subject, result]) => [subject, result])).toEqual([
      ['sb.test.add', 'ok'],
      ['sb.test.add', 'bad_request'],
    ]);
    for (const [, , seconds] of served) expect(seconds).toBeGreaterThanOrEqual(0);
  });

  it('says which bus carries the spans: the memory bus is not NATS', () => {
    expect(bus.system).toBe('memory');
  });

  it('answers BadRequest naming the field for a body that does not match', async () => {
    serve(bus, add, ({ a, b }) => ({ sum: a + b }), silentLogger());
    const reply = await bus.request(add.subject, encodeJson({ a: 'x' }), { timeoutMs: 500 });
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({
      error: { code: ErrorCode.BadRequest, message: expect.stringMatching(/^"a" /) },
    });
  });

  it('rejects a reply that does not match the descriptor with a coded error (Internal)', async () => {
    bus.subscribe(add.subject, (msg) => bus.publish(msg.reply!, encodeJson({ result: { sum: 'three' } })));
    await expect(rpc.call(add, { a: 1 })).rejects.toMatchObject({
      errorCode: ErrorCode.Internal,
      message: 'unexpected reply on "sb.test.add": "sum" Invalid type: Expected number but received "three"',
    });
  });

  it('rejects a reply that is not JSON or not an envelope with a coded error', async () => {
    bus.subscribe(add.subject, (msg) => bus.publish(msg.reply!, new TextEncoder().encode('nope')));
    await expect(rpc.call(add, { a: 1 })).rejects.toBeInstanceOf(RemoteError);
  });

  it('passes coded errors through, retryAfterMs included', async () => {
    serve(
      bus,
      add,
      () => {
        throw new RemoteError(ErrorCode.RateLimited, 'slow down', 250);
      },
      silentLogger(),
    );
    await expect(rpc.call(add, { a: 1 })).rejects.toMatchObject({
      errorCode: ErrorCode.RateLimited,
      message: 'slow down',
      retryAfterMs: 250,
    });
  });

  it('answers Unavailable for a backend outage and Internal (no details) for a bug', async () => {
    serve(
      bus,
      add,
      ({ a }) => {
        throw a === 0 ? new ClosedError('redis') : new Error('secret detail');
      },
      silentLogger(),
    );
    await expect(rpc.call(add, { a: 0 })).rejects.toMatchObject({ errorCode: ErrorCode.Unavailable });
    await expect(rpc.call(add, { a: 1 })).rejects.toMatchObject({
      errorCode: ErrorCode.Internal,
      message: 'internal error',
    });
  });
});

describe('the error mapping', () => {
  it('codes bus failures and leaves unknown failures to the caller', () => {
    expect(knownCodedError(new TimeoutError('sb.x', 5))?.code).toBe(ErrorCode.Timeout);
    expect(knownCodedError(new ClosedError('bus'))?.code).toBe(ErrorCode.Unavailable);
    expect(knownCodedError(new RemoteError(ErrorCode.Forbidden, 'no'))).toEqual({
      code: ErrorCode.Forbidden,
      message: 'no',
    });
    expect(knownCodedError(new Error('boom'))).toBeUndefined();
  });

  it('maps every ErrorCode to a gRPC status and back to a code of the same kind', () => {
    for (const code of Object.values(ErrorCode)) {
      const status = grpcStatusFor(code);
      if (status !== GrpcStatusCode.INTERNAL) expect(grpcStatusFor(errorCodeForStatus(status))).toBe(status);
    }
    expect(errorCodeForStatus(GrpcStatusCode.UNKNOWN)).toBe(ErrorCode.Internal);
  });
});

describe('coalesced calls (descriptor `batch`)', () => {
  const addMany = rpcDescriptor({ ...add, subject: 'sb.test.add-many', batch: true });
  let bus: MemoryBus;
  let rpc: RpcClient;
  let sent: BusMessage[];
  beforeEach(() => {
    bus = new MemoryBus(new MemoryBusHub());
    rpc = new RpcClient(bus, 500);
    sent = [];
    bus.subscribe(addMany.subject, (msg) => sent.push(msg));
  });
  afterEach(() => bus.close());

  const text = (msg: BusMessage) => new TextDecoder().decode(msg.data);
  const sumAll = () => serve(bus, addMany, ({ a, b }) => ({ sum: a + b }), silentLogger());

  it('sends the calls of one turn as one bus request and gives each caller its own result', async () => {
    sumAll();
    const replies = await Promise.all([1, 2, 3].map((a) => rpc.call(addMany, { a, b: a * 10 })));
    expect(replies).toEqual([{ sum: 11 }, { sum: 22 }, { sum: 33 }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers).toEqual({ [RpcBatchHeader]: '3' });
    expect(JSON.parse(text(sent[0]!))).toEqual([
      { body: { a: 1, b: 10 } },
      { body: { a: 2, b: 20 } },
      { body: { a: 3, b: 30 } },
    ]);
  });

  it('sends a lone call exactly as an uncoalesced call', async () => {
    sumAll();
    expect(await rpc.call(addMany, { a: 2 })).toEqual({ sum: 3 });
    expect(sent).toHaveLength(1);
    expect(text(sent[0]!)).toBe('{"a":2}');
    expect(sent[0]!.headers?.[RpcBatchHeader]).toBeUndefined();
  });

  it('answers each item on its own: coded errors and validation failures reach only their caller', async () => {
    const served: string[] = [];
    serve(
      bus,
      addMany,
      ({ a, b }) => {
        if (a === 0) throw new RemoteError(ErrorCode.RateLimited, 'slow down', 250);
        return { sum: a + b };
      },
      silentLogger(),
      { served: (_subject, result) => served.push(result) },
    );
    const results = await Promise.allSettled([
      rpc.call(addMany, { a: 1 }),
      rpc.call(addMany, { a: 0 }),
      rpc.call(addMany, { a: 'x' } as unknown as { a: number }),
      rpc.call(addMany, { a: 4 }),
    ]);
    expect(sent).toHaveLength(1);
    expect(results[0]).toEqual({ status: 'fulfilled', value: { sum: 2 } });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { errorCode: ErrorCode.RateLimited, message: 'slow down', retryAfterMs: 250 },
    });
    expect(results[2]).toMatchObject({
      status: 'rejected',
      reason: { errorCode: ErrorCode.BadRequest, message: expect.stringMatching(/^"a" /) },
    });
    expect(results[3]).toEqual({ status: 'fulfilled', value: { sum: 5 } });
    expect(served.sort()).toEqual(['bad_request', 'ok', 'ok', 'rate_limited']);
  });

  it('runs the handlers of a batch concurrently, each seeing its own headers', async () => {
    let running = 0;
    let most = 0;
    serve(
      bus,
      addMany,
      async ({ a }, msg) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        return { sum: a + Number(msg.headers?.['x-extra'] ?? 0) };
      },
      silentLogger(),
    );
    const replies = await Promise.all(
      [1, 2, 3].map((a) => rpc.call(addMany, { a }, { headers: { 'x-extra': String(a * 100) } })),
    );
    expect(replies).toEqual([{ sum: 101 }, { sum: 202 }, { sum: 303 }]);
    expect(sent).toHaveLength(1);
    expect(most).toBe(3);
  });

  it('rejects every caller of a batch that gets no reply in time', async () => {
    const results = await Promise.allSettled([1, 2].map((a) => rpc.call(addMany, { a }, { timeoutMs: 30 })));
    expect(sent).toHaveLength(1);
    for (const result of results)
      expect(result).toMatchObject({ status: 'rejected', reason: expect.any(TimeoutError) });
  });

  it('rejects every caller when the bus refuses the batch request', async () => {
    const bad = rpcDescriptor({ ...addMany, subject: 'sb.test.bad subject' });
    const results = await Promise.allSettled([1, 2].map((a) => rpc.call(bad, { a })));
    for (const result of results)
      expect(result).toMatchObject({ status: 'rejected', reason: expect.any(BadSubjectError) });
  });

  it('resends the calls one by one to a service that takes no batches (another version)', async () => {
    // An older serve: the array body fails the request schema and the whole request gets BadRequest.
    bus.subscribe(addMany.subject, (msg) => {
      const body = v.safeParse(addMany.request, JSON.parse(text(msg)));
      const reply = body.success
        ? { result: { sum: body.output.a + body.output.b } }
        : { error: { code: ErrorCode.BadRequest, message: 'bad body' } };
      bus.publish(msg.reply!, encodeJson(reply));
    });
    const replies = await Promise.all([1, 2, 3].map((a) => rpc.call(addMany, { a })));
    expect(replies).toEqual([{ sum: 2 }, { sum: 3 }, { sum: 4 }]);
    expect(sent.map((msg) => msg.headers?.[RpcBatchHeader])).toEqual(['3', undefined, undefined, undefined]);
  });

  it('is refused by a service whose descriptor does not opt in, and the calls still succeed', async () => {
    serve(bus, { ...addMany, batch: undefined }, ({ a, b }) => ({ sum: a + b }), silentLogger());
    const replies = await Promise.all([1, 2].map((a) => rpc.call(addMany, { a })));
    expect(replies).toEqual([{ sum: 2 }, { sum: 3 }]);
    expect(sent).toHaveLength(3);
  });

  it('respects the item cap; a remainder of one goes alone', async () => {
    const capped = rpcDescriptor({ ...addMany, batch: { maxItems: 2 } });
    serve(bus, capped, ({ a, b }) => ({ sum: a + b }), silentLogger());
    const replies = await Promise.all([1, 2, 3, 4, 5].map((a) => rpc.call(capped, { a })));
    expect(replies).toEqual([2, 3, 4, 5, 6].map((sum) => ({ sum })));
    expect(sent.map((msg) => msg.headers?.[RpcBatchHeader])).toEqual(['2', '2', undefined]);
    expect(text(sent[2]!)).toBe('{"a":5}');
  });

  it('respects the byte cap: no batch body is larger, a larger call goes alone', async () => {
    const capped = rpcDescriptor({ ...addMany, batch: { maxBytes: 50 } });
    serve(bus, capped, ({ a, b }) => ({ sum: a + b }), silentLogger());
    const replies = await Promise.all([1, 2, 3, 1e300].map((a) => rpc.call(capped, { a, b: 0 })));
    expect(replies).toEqual([1, 2, 3, 1e300].map((sum) => ({ sum })));
    for (const msg of sent)
      expect(msg.data.length <= 50 || msg.headers?.[RpcBatchHeader] === undefined).toBe(true);
    expect(sent.map((msg) => msg.headers?.[RpcBatchHeader])).toEqual(['2', undefined, undefined]);
  });

  it('sends calls with different timeouts in different requests', async () => {
    sumAll();
    await Promise.all([rpc.call(addMany, { a: 1 }), rpc.call(addMany, { a: 2 }, { timeoutMs: 300 })]);
    expect(sent).toHaveLength(2);
  });

  it('resends alone an item whose reply did not fit in the batch reply', async () => {
    let batches = 0;
    bus.subscribe(addMany.subject, (msg) => {
      if (msg.headers?.[RpcBatchHeader] === undefined) {
        bus.publish(msg.reply!, encodeJson({ result: { sum: 42 } }));
        return;
      }
      batches += 1;
      bus.publish(msg.reply!, encodeJson([{ result: { sum: 1 } }, { resend: true }]));
    });
    expect(await Promise.all([rpc.call(addMany, { a: 0 }), rpc.call(addMany, { a: 41 })])).toEqual([
      { sum: 1 },
      { sum: 42 },
    ]);
    expect(batches).toBe(1);
    expect(sent).toHaveLength(2);
  });

  it('gives every caller the coded error a whole batch is answered with (other than BadRequest)', async () => {
    bus.subscribe(addMany.subject, (msg) =>
      bus.publish(msg.reply!, encodeJson({ error: { code: ErrorCode.Unavailable, message: 'down' } })),
    );
    const results = await Promise.allSettled([1, 2].map((a) => rpc.call(addMany, { a })));
    expect(sent).toHaveLength(1);
    for (const result of results)
      expect(result).toMatchObject({ status: 'rejected', reason: { errorCode: ErrorCode.Unavailable } });
  });

  it('rejects every caller with Internal when a batch reply does not match the batch', async () => {
    bus.subscribe(addMany.subject, (msg) => bus.publish(msg.reply!, encodeJson([{ result: { sum: 1 } }])));
    const results = await Promise.allSettled([1, 2].map((a) => rpc.call(addMany, { a })));
    for (const result of results)
      expect(result).toMatchObject({ status: 'rejected', reason: { errorCode: ErrorCode.Internal } });
  });

  it('keeps a batch reply under its byte cap by asking for the largest items again', () => {
    const small = JSON.stringify({ result: { sum: 1 } });
    const large = JSON.stringify({ result: { text: 'x'.repeat(100) } });
    const reply = JSON.parse(new TextDecoder().decode(encodeBatchReply([small, large, small], 80)));
    expect(reply).toEqual([{ result: { sum: 1 } }, { resend: true }, { result: { sum: 1 } }]);
  });
});

import { ErrorCode } from '@switchboard/protocol';
import { silentLogger } from '@switchboard/telemetry';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus, MemoryBusHub } from './bus-memory.js';
import { ClosedError, RemoteError, TimeoutError } from './errors.js';
import { encodeJson } from './json.js';
import { serve } from './rpc.js';
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

import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { inSpan, SpanKind, silentLogger } from '@switchboard/telemetry';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from './bus.js';
import { MemoryBus, MemoryBusHub } from './bus-memory.js';
import { serve } from './rpc.js';
import { RpcBatchHeader } from './rpc-batch.js';
import { RpcClient } from './rpc-client.js';
import { rpcDescriptor } from './rpc-descriptor.js';

const double = rpcDescriptor({
  subject: 'sb.test.double',
  queue: 'sb-test',
  request: v.object({ n: v.number() }),
  reply: v.object({ n: v.number() }),
  batch: true,
});

describe('tracing through coalesced calls', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  });
  afterAll(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('gives every item a server span whose parent is its own caller', async () => {
    const bus = new MemoryBus(new MemoryBusHub());
    const sent: BusMessage[] = [];
    bus.subscribe(double.subject, (msg) => sent.push(msg));
    serve(bus, double, ({ n }) => ({ n: n * 2 }), silentLogger());
    const rpc = new RpcClient(bus, 500);
    const callers = ['caller 1', 'caller 2', 'caller 3'];
    const replies = await Promise.all(
      callers.map((name, n) => inSpan(name, { kind: SpanKind.CLIENT }, () => rpc.call(double, { n }))),
    );
    expect(replies).toEqual([{ n: 0 }, { n: 2 }, { n: 4 }]);
    expect(sent.map((msg) => msg.headers?.[RpcBatchHeader])).toEqual(['3']);

    const spans = exporter.getFinishedSpans();
    const served = spans.filter((s) => s.name === double.subject);
    expect(served).toHaveLength(3);
    for (const name of callers) {
      const caller = spans.find((s) => s.name === name)!;
      const child = served.filter((s) => s.parentSpanContext?.spanId === caller.spanContext().spanId);
      expect(child).toHaveLength(1);
      expect(child[0]!.spanContext().traceId).toBe(caller.spanContext().traceId);
    }
    await bus.close();
  });
});

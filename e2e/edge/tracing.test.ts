import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { connectSocket, startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('tracing: one trace follows a message end to end', () => {
  const exporter = new InMemorySpanExporter();
  let sb: TestSwitchboard;
  beforeAll(async () => {
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
    sb = await startSwitchboard();
  });
  afterAll(async () => {
    await sb.stop();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('links the publish command, the router and every delivering edge', async () => {
    const publisher = await connectSocket(sb.wsUrl, sb.token('alice'));
    const member = await connectSocket(sb.wsUrl, sb.token('bob'));
    await member.call({ op: 'join', room: 'traced' });
    exporter.reset();
    await publisher.call({ op: 'publish', room: 'traced', event: 'e', data: 1 });
    await member.push('msg');
    for (let i = 0; i < 40 && !exporter.getFinishedSpans().some((s) => s.name === 'deliver'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const spans = exporter.getFinishedSpans();
    const command = spans.find((s) => s.name === 'switchboard publish');
    const routed = spans.find((s) => s.name === 'sb.router.publish');
    const delivered = spans.find((s) => s.name === 'deliver');
    expect(command && routed && delivered, spans.map((s) => s.name).join(', ')).toBeTruthy();
    const traceId = command!.spanContext().traceId;
    expect(routed!.spanContext().traceId).toBe(traceId);
    // The in-process server runs on the memory bus, and its spans say so.
    expect(routed!.attributes['messaging.system']).toBe('memory');
    expect(delivered!.attributes['messaging.system']).toBe('memory');
    expect(delivered!.spanContext().traceId).toBe(traceId);
    expect(routed!.parentSpanContext?.spanId).toBe(command!.spanContext().spanId);
    expect(delivered!.parentSpanContext?.spanId).toBe(routed!.spanContext().spanId);
    expect(routed!.attributes['messaging.destination.name']).toBe('sb.router.publish');
    expect(delivered!.attributes['switchboard.room']).toBe('traced');
    publisher.close();
    member.close();
  });
});

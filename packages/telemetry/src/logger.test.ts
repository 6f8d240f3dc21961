import { Writable } from 'node:stream';
import { context, propagation, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

/** A stream that keeps what is written; `isTTY` as a terminal or a pipe would report it. */
function capture(isTTY: boolean): Writable & { isTTY: boolean; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return Object.assign(stream, { isTTY, text: () => text });
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  afterEach(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('writes JSON when the destination is not a terminal, with node and role on every line', () => {
    const out = capture(false);
    const log = createLogger({ level: 'info', node: 'edge-1', role: 'edge', destination: out });
    log.info('plain');
    log.child({ svc: 'edge', conn: 'c1' }).warn({ room: 'r' }, 'from a child');
    const lines = jsonLines(out.text());
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatchObject({ node: 'edge-1', role: 'edge' });
    expect(lines[1]).toMatchObject({ svc: 'edge', conn: 'c1', room: 'r', msg: 'from a child' });
  });

  it('writes human-readable lines on a terminal, and honours a forced format', () => {
    const tty = capture(true);
    createLogger({ level: 'info', node: 'n1', role: 'router', destination: tty }).info(
      { room: 'r' },
      'hello',
    );
    expect(() => JSON.parse(tty.text())).toThrow();
    expect(tty.text()).toContain('hello');
    expect(tty.text()).toContain('n1');

    const forcedJson = capture(true);
    createLogger({ level: 'info', format: 'json', destination: forcedJson }).info('hello');
    expect(jsonLines(forcedJson.text())[0]).toMatchObject({ msg: 'hello' });

    const forcedPretty = capture(false);
    createLogger({ level: 'info', format: 'pretty', destination: forcedPretty }).info('hello');
    expect(forcedPretty.text()).toMatch(/INFO.*hello/);
    // No colour codes when the destination is not a terminal.
    expect(forcedPretty.text()).not.toContain('\u001b[');
  });

  it('adds the trace and span ids on lines written inside an active span, and only there', () => {
    new NodeTracerProvider().register();
    const out = capture(false);
    const log = createLogger({ level: 'info', destination: out }).child({ svc: 'router' });
    let ids: { traceId: string; spanId: string } | undefined;
    trace.getTracer('test').startActiveSpan('publish', (span) => {
      ids = span.spanContext();
      log.info('inside');
      span.end();
    });
    log.info('outside');
    const [inside, outside] = jsonLines(out.text());
    expect(ids?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(inside).toMatchObject({ trace_id: ids?.traceId, span_id: ids?.spanId, msg: 'inside' });
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
  });

  it('still redacts tokens', () => {
    const out = capture(false);
    createLogger({ level: 'info', destination: out }).info({ token: 'secret', user: { token: 's' } }, 'x');
    expect(out.text()).not.toContain('secret');
    expect(jsonLines(out.text())[0]).toMatchObject({ token: '[redacted]' });
  });
});

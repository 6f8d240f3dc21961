import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * Tracing through the bus. Libraries use only the OpenTelemetry API (a no-op until a process
 * starts the SDK); the W3C `traceparent` rides in bus headers, since NATS has no official
 * instrumentation — so one trace follows a message from the publisher's command through the
 * router to every edge that delivers it.
 */
export function tracer() {
  return trace.getTracer('switchboard', '0.1.0');
}

/** Headers carrying the current trace context (empty when nothing is traced). */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The trace context carried by bus headers (the current one when there are none). */
export function contextFrom(headers: Readonly<Record<string, string>> | undefined): Context {
  return headers ? propagation.extract(context.active(), headers) : context.active();
}

/** Runs `fn` in a new span (ended when it settles; an exception marks it as an error). */
export async function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** OpenTelemetry messaging attributes for a bus operation; `system` is the bus's (`nats`, `memory`). */
export function busAttributes(
  subject: string,
  operation: 'send' | 'receive' | 'process',
  system: string,
): Attributes {
  return {
    'messaging.system': system,
    'messaging.destination.name': subject,
    'messaging.operation.type': operation,
  };
}

export { SpanKind };

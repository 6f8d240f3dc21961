/**
 * Stands in for `@opentelemetry/api` in the published server SDK. The bundled bus code asks
 * it for trace headers to put on NATS requests; the SDK does not trace, so it answers with
 * none, and the package needs no OpenTelemetry.
 */
export type Attributes = Record<string, string | number | boolean>;
export type Context = object;
export type Span = never;

const ROOT: Context = Object.freeze({});

export const context = {
  active: (): Context => ROOT,
  with: <T>(_ctx: Context, fn: () => T): T => fn(),
};
export const propagation = {
  inject: (_ctx: Context, _carrier: Record<string, string>): void => {},
  extract: (ctx: Context, _carrier: unknown): Context => ctx,
};
export const trace = {
  getTracer: () => {
    throw new Error('tracing is not part of the server SDK');
  },
  setSpan: (ctx: Context): Context => ctx,
  getActiveSpan: (): undefined => undefined,
  getSpan: (_ctx: Context): undefined => undefined,
};
/** The logger's trace-id mixin asks this; without tracing no span context is ever valid. */
export const isSpanContextValid = (_spanContext: unknown): boolean => false;
export enum SpanKind {
  INTERNAL = 0,
  SERVER = 1,
  CLIENT = 2,
  PRODUCER = 3,
  CONSUMER = 4,
}
export enum SpanStatusCode {
  UNSET = 0,
  OK = 1,
  ERROR = 2,
}

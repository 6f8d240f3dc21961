/** `@switchboard/telemetry`: the pino logger every process injects, and tracing through the bus (OpenTelemetry API). */
export type { LogFormat, Logger, LoggerOptions, LogLevel } from './logger.js';
export { createLogger, silentLogger } from './logger.js';
export { busAttributes, contextFrom, inSpan, SpanKind, traceHeaders, tracer } from './tracing.js';

import { createRequire } from 'node:module';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, pino } from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `auto`: human-readable when stdout is a terminal, JSON otherwise (files, pipes, collectors). */
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  level: LogLevel;
  name?: string;
  /** This process's node id: on every line, children's included. */
  node?: string;
  /** What the process runs (`edge`, `router`, `standalone`…): on every line too. */
  role?: string;
  /** Default `auto`. */
  format?: LogFormat;
  /** Where lines go (default stdout). `auto` looks at this stream's `isTTY`. */
  destination?: DestinationStream & { isTTY?: boolean };
}

/** Loggers are created once at the entry point and injected; libraries never create their own. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const pretty = options.format === 'pretty' || (options.format !== 'json' && destination.isTTY === true);
  return pino(
    {
      level: options.level,
      ...(options.name ? { name: options.name } : {}),
      // Bound at creation, so every line (and every child's) says which process wrote it.
      base: {
        ...(options.node !== undefined ? { node: options.node } : {}),
        ...(options.role !== undefined ? { role: options.role } : {}),
      },
      // Lines written inside a traced operation carry its ids, to jump from a log to the trace.
      mixin: activeSpanIds,
      // Tokens and keys never reach logs, whatever a caller passes.
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization'], censor: '[redacted]' },
    },
    pretty ? prettyStream(destination) : destination,
  );
}

/** A logger that drops everything, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** `trace_id` and `span_id` of the active OpenTelemetry span (names as in OTel's log data model). */
function activeSpanIds(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

/**
 * pino-pretty, loaded only when a terminal wants it. Its formatter is applied in line, so lines
 * keep their order and none are lost at exit (unlike a worker-thread transport).
 */
function prettyStream(destination: DestinationStream & { isTTY?: boolean }): DestinationStream {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
  const format = prettyFactory({
    colorize: destination.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return { write: (line: string) => destination.write(format(line)) };
}

import { ErrorCode, errorName } from '@switchboard/protocol';
import {
  busAttributes,
  contextFrom,
  inSpan,
  type Logger,
  SpanKind,
  traceHeaders,
} from '@switchboard/telemetry';
import * as v from 'valibot';
import type { Bus, BusHeaders, BusMessage, Subscription } from './bus.js';
import { RemoteError } from './errors.js';
import { decodeJson, encodeJson } from './json.js';
import type { RpcBody, RpcDescriptor, RpcReply, RpcRequest, RpcResult } from './rpc-descriptor.js';
import { type CodedError, INTERNAL_ERROR, knownCodedError } from './rpc-errors.js';

/**
 * Request/reply between services on top of the bus, one `RpcDescriptor` per subject. A reply is
 * `{"result": …}` or `{"error": {"code", "message", "retryAfterMs"?}}` with a protocol
 * `ErrorCode`, so a coded error raised in a service reaches the client unchanged.
 */

export type RpcHandler<D extends RpcDescriptor> = (
  body: RpcBody<D>,
  msg: BusMessage,
) => Promise<RpcResult<D>> | RpcResult<D>;

/**
 * Told about every request `serve` answers: its subject, `ok` or the error code's name, and how
 * long the handler took. The bus library stays free of a metrics client; the process injects one.
 */
export interface RpcMetrics {
  served(subject: string, result: string, seconds: number): void;
}

/** Answers the descriptor's subject in its queue group; bodies are validated (`BadRequest`) first. */
export function serve<D extends RpcDescriptor>(
  bus: Bus,
  descriptor: D,
  handler: RpcHandler<D>,
  log: Logger,
  metrics?: RpcMetrics,
): Subscription {
  return bus.subscribe(
    descriptor.subject,
    (msg) => {
      void inSpan(
        msg.subject,
        {
          kind: SpanKind.SERVER,
          attributes: busAttributes(msg.subject, 'process', bus.system ?? 'unknown'),
          parent: contextFrom(msg.headers),
        },
        () => answer(bus, msg, descriptor, handler, log, metrics),
      );
    },
    { queue: descriptor.queue },
  );
}

async function answer<D extends RpcDescriptor>(
  bus: Bus,
  msg: BusMessage,
  descriptor: D,
  handler: RpcHandler<D>,
  log: Logger,
  metrics: RpcMetrics | undefined,
): Promise<void> {
  const started = performance.now();
  let reply: { result: unknown } | { error: CodedError };
  try {
    let body: unknown;
    try {
      body = decodeJson(msg.data);
    } catch {
      throw new RemoteError(ErrorCode.BadRequest, 'request body is not JSON');
    }
    reply = { result: (await handler(parseRequest(descriptor.request, body), msg)) ?? {} };
  } catch (error) {
    const coded = knownCodedError(error);
    if (coded === undefined) log.error({ err: error, subject: msg.subject }, 'request handler failed');
    else if (!(error instanceof RemoteError))
      log.warn({ err: error, subject: msg.subject }, 'a backend is unavailable');
    reply = { error: coded ?? INTERNAL_ERROR };
  }
  metrics?.served(
    descriptor.subject,
    'error' in reply ? errorName(reply.error.code) : 'ok',
    (performance.now() - started) / 1000,
  );
  if (msg.reply === undefined) return;
  try {
    bus.publish(msg.reply, encodeJson(reply));
  } catch (error) {
    log.warn({ err: error, subject: msg.subject }, 'could not send reply');
  }
}

const replyEnvelope = v.object({
  result: v.optional(v.unknown()),
  error: v.optional(
    v.object({ code: v.number(), message: v.string(), retryAfterMs: v.optional(v.number()) }),
  ),
});

/**
 * Sends a request and returns its validated `result`. A coded error reply is thrown as
 * `RemoteError`; so is a reply that does not match the descriptor (`Internal`): a service of
 * another version, not a crash of the caller.
 */
export async function call<D extends RpcDescriptor>(
  bus: Bus,
  descriptor: D,
  body: RpcRequest<D>,
  options: { timeoutMs: number; headers?: BusHeaders },
): Promise<RpcReply<D>> {
  // The caller's trace continues in the service that answers.
  const headers = { ...traceHeaders(), ...options.headers };
  const msg = await bus.request(descriptor.subject, encodeJson(body), {
    timeoutMs: options.timeoutMs,
    headers,
  });
  let raw: unknown;
  try {
    raw = decodeJson(msg.data);
  } catch {
    throw new RemoteError(ErrorCode.Internal, `reply on "${descriptor.subject}" is not JSON`);
  }
  const reply = v.safeParse(replyEnvelope, raw);
  if (!reply.success) throw unexpectedReply(descriptor.subject, reply.issues);
  const { error, result } = reply.output;
  if (error) throw new RemoteError(error.code, error.message, error.retryAfterMs);
  const parsed = v.safeParse(descriptor.reply, result);
  if (!parsed.success) throw unexpectedReply(descriptor.subject, parsed.issues);
  return parsed.output;
}

function unexpectedReply(subject: string, issues: readonly v.BaseIssue<unknown>[]): RemoteError {
  const issue = issues[0];
  const path = issue ? (v.getDotPath(issue) ?? 'result') : 'result';
  return new RemoteError(
    ErrorCode.Internal,
    `unexpected reply on "${subject}": "${path}" ${issue?.message ?? 'is invalid'}`,
  );
}

/** Validates a request body; a mismatch is the caller's bug and answers `BadRequest`. */
export function parseRequest<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const parsed = v.safeParse(schema, body);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  throw new RemoteError(ErrorCode.BadRequest, `"${v.getDotPath(issue) ?? 'body'}" ${issue.message}`);
}

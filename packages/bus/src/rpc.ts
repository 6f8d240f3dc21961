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
import { batchItemsSchema, batchLimits, encodeBatchReply, RpcBatchHeader } from './rpc-batch.js';
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

/**
 * Answers the descriptor's subject in its queue group; bodies are validated (`BadRequest`) first.
 * A coalesced request (header `sb-batch`, see rpc-batch.ts) is answered item by item when the
 * descriptor opts in: each item validated on its own, all handled concurrently, one span and one
 * metric per item.
 */
export function serve<D extends RpcDescriptor>(
  bus: Bus,
  descriptor: D,
  handler: RpcHandler<D>,
  log: Logger,
  metrics?: RpcMetrics,
): Subscription {
  const system = bus.system ?? 'unknown';
  const inServerSpan = <T>(msg: BusMessage, fn: () => Promise<T>): Promise<T> =>
    inSpan(
      msg.subject,
      {
        kind: SpanKind.SERVER,
        attributes: busAttributes(msg.subject, 'process', system),
        parent: contextFrom(msg.headers),
      },
      fn,
    );
  const handleOne = (msg: BusMessage, body: () => unknown): Promise<ReplyEnvelope> =>
    handle(msg, body, descriptor, handler, log, metrics);
  return bus.subscribe(
    descriptor.subject,
    (msg) => {
      if (msg.headers?.[RpcBatchHeader] === undefined) {
        void inServerSpan(msg, async () => {
          const reply = await handleOne(msg, () => decodeBody(msg.data));
          sendReply(bus, msg, encodeJson(reply), log);
        });
        return;
      }
      answerBatch(
        bus,
        msg,
        descriptor,
        (item, body) => inServerSpan(item, () => handleOne(item, body)),
        log,
        metrics,
      ).catch((error: unknown) => log.warn({ err: error, subject: msg.subject }, 'could not answer batch'));
    },
    { queue: descriptor.queue },
  );
}

type ReplyEnvelope = { result: unknown } | { error: CodedError };

function decodeBody(data: Uint8Array): unknown {
  try {
    return decodeJson(data);
  } catch {
    throw new RemoteError(ErrorCode.BadRequest, 'request body is not JSON');
  }
}

/** Runs the handler on one validated body; every failure becomes a coded error envelope. */
async function handle<D extends RpcDescriptor>(
  msg: BusMessage,
  body: () => unknown,
  descriptor: D,
  handler: RpcHandler<D>,
  log: Logger,
  metrics: RpcMetrics | undefined,
): Promise<ReplyEnvelope> {
  const started = performance.now();
  let reply: ReplyEnvelope;
  try {
    reply = { result: (await handler(parseRequest(descriptor.request, body()), msg)) ?? {} };
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
  return reply;
}

function sendReply(bus: Bus, msg: BusMessage, data: Uint8Array, log: Logger): void {
  if (msg.reply === undefined) return;
  try {
    bus.publish(msg.reply, data);
  } catch (error) {
    log.warn({ err: error, subject: msg.subject }, 'could not send reply');
  }
}

/**
 * A coalesced request: a whole-request `BadRequest` when the descriptor does not take batches or
 * the batch is malformed (no handler has run, so the caller may resend the calls one by one);
 * otherwise a JSON array of per-item envelopes. Each item is handled as if it came alone, with
 * its own headers (trace context) on the message the handler sees.
 */
async function answerBatch(
  bus: Bus,
  msg: BusMessage,
  descriptor: RpcDescriptor,
  handleItem: (msg: BusMessage, body: () => unknown) => Promise<ReplyEnvelope>,
  log: Logger,
  metrics: RpcMetrics | undefined,
): Promise<void> {
  const refuse = (message: string) => {
    metrics?.served(descriptor.subject, errorName(ErrorCode.BadRequest), 0);
    sendReply(bus, msg, encodeJson({ error: { code: ErrorCode.BadRequest, message } }), log);
  };
  if (batchLimits(descriptor) === undefined) return refuse(`"${descriptor.subject}" takes no batches`);
  let raw: unknown;
  try {
    raw = decodeJson(msg.data);
  } catch {
    return refuse('batch body is not JSON');
  }
  const items = v.safeParse(batchItemsSchema, raw);
  if (!items.success) {
    const issue = items.issues[0];
    return refuse(`batch "${v.getDotPath(issue) ?? 'body'}" ${issue.message}`);
  }
  const envelopes = await Promise.all(
    items.output.map(async (item) => {
      const itemMsg: BusMessage = {
        subject: msg.subject,
        headers: item.headers,
        reply: undefined,
        get data() {
          return encodeJson(item.body);
        },
      };
      return JSON.stringify(await handleItem(itemMsg, () => item.body));
    }),
  );
  sendReply(bus, msg, encodeBatchReply(envelopes), log);
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
 * another version, not a crash of the caller. Always one bus request (`RpcClient` coalesces).
 */
export async function call<D extends RpcDescriptor>(
  bus: Bus,
  descriptor: D,
  body: RpcRequest<D>,
  options: { timeoutMs: number; headers?: BusHeaders },
): Promise<RpcReply<D>> {
  // The caller's trace continues in the service that answers.
  const headers = { ...traceHeaders(), ...options.headers };
  return requestEncoded(bus, descriptor, encodeJson(body), headers, options.timeoutMs);
}

/** One bus request with an already-encoded body and the caller's headers; the reply validated. */
export async function requestEncoded<D extends RpcDescriptor>(
  bus: Bus,
  descriptor: D,
  data: Uint8Array,
  headers: BusHeaders,
  timeoutMs: number,
): Promise<RpcReply<D>> {
  const msg = await bus.request(descriptor.subject, data, { timeoutMs, headers });
  return replyOf(descriptor, decodeReply(descriptor, msg.data));
}

/** A reply's JSON (a batch reply is an array); not JSON is the service's bug (`Internal`). */
export function decodeReply(descriptor: RpcDescriptor, data: Uint8Array): unknown {
  try {
    return decodeJson(data);
  } catch {
    throw new RemoteError(ErrorCode.Internal, `reply on "${descriptor.subject}" is not JSON`);
  }
}

/** A reply envelope's validated `result`, or its coded error thrown as `RemoteError`. */
export function replyOf<D extends RpcDescriptor>(descriptor: D, raw: unknown): RpcReply<D> {
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

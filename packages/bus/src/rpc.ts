import { ErrorCode } from '@switchboard/protocol';
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
import { ClosedError, isUnavailableError, RemoteError } from './errors.js';
import { decodeJson, encodeJson } from './json.js';

/**
 * Request/reply between services on top of the bus. A reply is `{"result": …}` or
 * `{"error": {"code", "message", "retryAfterMs"?}}` with a protocol `ErrorCode`, so a coded
 * error raised in a service reaches the client unchanged.
 */

export type RpcHandler = (body: unknown, msg: BusMessage) => Promise<unknown> | unknown;

export function serveRpc(
  bus: Bus,
  subject: string,
  queue: string,
  handler: RpcHandler,
  log: Logger,
): Subscription {
  return bus.subscribe(
    subject,
    (msg) => {
      void inSpan(
        msg.subject,
        {
          kind: SpanKind.SERVER,
          attributes: busAttributes(msg.subject, 'process'),
          parent: contextFrom(msg.headers),
        },
        () => answer(bus, msg, handler, log),
      );
    },
    { queue },
  );
}

async function answer(bus: Bus, msg: BusMessage, handler: RpcHandler, log: Logger): Promise<void> {
  let reply: unknown;
  try {
    let body: unknown;
    try {
      body = decodeJson(msg.data);
    } catch {
      throw new RemoteError(ErrorCode.BadRequest, 'request body is not JSON');
    }
    reply = { result: (await handler(body, msg)) ?? {} };
  } catch (error) {
    if (error instanceof RemoteError) {
      reply = { error: { code: error.errorCode, message: error.message, retryAfterMs: error.retryAfterMs } };
    } else if (isUnavailableError(error) || error instanceof ClosedError) {
      log.warn({ err: error, subject: msg.subject }, 'a backend is unavailable');
      reply = { error: { code: ErrorCode.Unavailable, message: 'a backend is unavailable; retry later' } };
    } else {
      log.error({ err: error, subject: msg.subject }, 'request handler failed');
      reply = { error: { code: ErrorCode.Internal, message: 'internal error' } };
    }
  }
  if (msg.reply === undefined) return;
  try {
    bus.publish(msg.reply, encodeJson(reply));
  } catch (error) {
    log.warn({ err: error, subject: msg.subject }, 'could not send reply');
  }
}

/** Sends a request and returns its `result`; a coded error reply is thrown as `RemoteError`. */
export async function callRpc<T>(
  bus: Bus,
  subject: string,
  body: unknown,
  options: { timeoutMs: number; headers?: BusHeaders },
): Promise<T> {
  // The caller's trace continues in the service that answers.
  const headers = { ...traceHeaders(), ...options.headers };
  const msg = await bus.request(subject, encodeJson(body), { timeoutMs: options.timeoutMs, headers });
  const reply = decodeJson(msg.data) as {
    result?: T;
    error?: { code: number; message: string; retryAfterMs?: number };
  };
  if (reply.error) throw new RemoteError(reply.error.code, reply.error.message, reply.error.retryAfterMs);
  return reply.result as T;
}

/** Validates a request body; a mismatch is the caller's bug and answers `BadRequest`. */
export function parseRequest<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const parsed = v.safeParse(schema, body);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  throw new RemoteError(ErrorCode.BadRequest, `"${v.getDotPath(issue) ?? 'body'}" ${issue.message}`);
}

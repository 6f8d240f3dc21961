import { ClosedError, NoRespondersError, RemoteError, TimeoutError } from '@switchboard/bus';
import { type ErrorBody, ErrorCode } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';

export function replyFrame(id: number | undefined, result: unknown): string {
  return JSON.stringify(id === undefined ? { result } : { id, result });
}

/**
 * A reply whose `result.messages` are already-serialized message frames (from history):
 * they are spliced in as text instead of being parsed and serialized again.
 */
export function replyWithFrames(
  id: number | undefined,
  result: object,
  frames: readonly string[] | undefined,
): string {
  if (frames === undefined) return replyFrame(id, result);
  const head = replyFrame(id, { ...result, messages: [] });
  // `messages` is the last key, so the text ends with `[]}}`.
  return `${head.slice(0, -3)}${frames.join(',')}]}}`;
}

/** Maps any failure to the coded error a client sees. Unknown failures are logged, never leaked. */
export function errorBody(error: unknown, log: Logger): ErrorBody {
  if (error instanceof RemoteError) {
    return error.retryAfterMs !== undefined
      ? { code: error.errorCode, message: error.message, retryAfterMs: error.retryAfterMs }
      : { code: error.errorCode, message: error.message };
  }
  if (error instanceof TimeoutError)
    return { code: ErrorCode.Timeout, message: 'a service did not answer in time' };
  if (error instanceof NoRespondersError || error instanceof ClosedError) {
    return { code: ErrorCode.Unavailable, message: 'a service is unavailable; retry later' };
  }
  log.error({ err: error }, 'unexpected failure');
  return { code: ErrorCode.Internal, message: 'internal error' };
}

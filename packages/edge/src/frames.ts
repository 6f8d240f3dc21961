import { INTERNAL_ERROR, knownCodedError } from '@switchboard/bus';
import type { ErrorBody } from '@switchboard/protocol';
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
  const coded = knownCodedError(error);
  if (coded !== undefined) return coded;
  log.error({ err: error }, 'unexpected failure');
  return { ...INTERNAL_ERROR };
}

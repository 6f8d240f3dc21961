import * as v from 'valibot';
import type { BusHeaders } from './bus.js';
import { encodeText } from './json.js';
import type { RpcBatchLimits, RpcDescriptor } from './rpc-descriptor.js';

/**
 * The wire format of a coalesced request (docs/subjects.md): calls of one batchable descriptor
 * made in the same turn travel as one bus request on the descriptor's own subject (so NATS
 * permissions are unchanged), marked by the `sb-batch` header (the item count). Its body is a JSON
 * array of items `{"body": <request>, "headers"?: {…}}` (each call's own headers: its trace
 * context); the reply is a JSON array of per-item envelopes in the same order, each
 * `{"result": …}`, `{"error": {…}}`, or `{"resend": true}` (that item's reply did not fit in the
 * batch reply: the caller asks again alone). A service that does not take batches answers the
 * whole request with a `BadRequest` envelope, and the caller sends the calls one by one.
 */
export const RpcBatchHeader = 'sb-batch';

const DEFAULT_MAX_ITEMS = 64;
const DEFAULT_MAX_BYTES = 256 * 1024;
/** Items a service takes in one batch, whatever the caller's limits (a guard, not a tuning knob). */
export const BATCH_MAX_ITEMS_SERVED = 1024;
/** A batch reply stays under this (NATS max payload is 1 MiB by default); the largest items are resent. */
export const BATCH_REPLY_MAX_BYTES = 512 * 1024;

/** The descriptor's batch caps with defaults, or `undefined` when it does not coalesce. */
export function batchLimits(descriptor: RpcDescriptor): Required<RpcBatchLimits> | undefined {
  const { batch } = descriptor;
  if (batch === undefined) return undefined;
  return {
    maxItems: Math.max(1, (batch === true ? undefined : batch.maxItems) ?? DEFAULT_MAX_ITEMS),
    maxBytes: (batch === true ? undefined : batch.maxBytes) ?? DEFAULT_MAX_BYTES,
  };
}

/** One call inside a batch, as the service reads it. */
export const batchItemsSchema = v.pipe(
  v.array(
    v.object({
      body: v.unknown(),
      headers: v.optional(v.record(v.string(), v.string()) as v.GenericSchema<BusHeaders>),
    }),
  ),
  v.minLength(1, 'is empty'),
  v.maxLength(BATCH_MAX_ITEMS_SERVED, 'has too many items'),
);

/** One call as an item of the batch body (JSON text): its encoded body and its own headers. */
export function batchItemJson(bodyJson: string, headers: BusHeaders): string {
  const hasHeaders = Object.keys(headers).length > 0;
  return hasHeaders ? `{"body":${bodyJson},"headers":${JSON.stringify(headers)}}` : `{"body":${bodyJson}}`;
}

/** A JSON array of already-encoded items, as bytes. */
export function joinJsonArray(items: readonly Uint8Array[]): Uint8Array {
  let size = 2 + Math.max(0, items.length - 1);
  for (const item of items) size += item.length;
  const out = new Uint8Array(size);
  out[0] = 0x5b; // [
  let at = 1;
  items.forEach((item, i) => {
    if (i > 0) out[at++] = 0x2c; // ,
    out.set(item, at);
    at += item.length;
  });
  out[at] = 0x5d; // ]
  return out;
}

const RESEND = '{"resend":true}';

/**
 * The batch reply: the per-item envelopes (JSON text) as one array. When it would exceed
 * `maxBytes`, the largest envelopes are replaced by `{"resend":true}` until it fits.
 */
export function encodeBatchReply(envelopes: string[], maxBytes = BATCH_REPLY_MAX_BYTES): Uint8Array {
  const whole = encodeText(`[${envelopes.join(',')}]`);
  if (whole.length <= maxBytes) return whole;
  const sizes = envelopes.map((e) => encodeText(e).length);
  let total = whole.length;
  const largestFirst = sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!);
  const fitted = [...envelopes];
  for (const i of largestFirst) {
    if (total <= maxBytes) break;
    fitted[i] = RESEND;
    total -= sizes[i]! - RESEND.length;
  }
  return encodeText(`[${fitted.join(',')}]`);
}

/** Whether a batch reply item asks the caller to send that call again alone. */
export function isResend(item: unknown): boolean {
  return typeof item === 'object' && item !== null && (item as { resend?: unknown }).resend === true;
}

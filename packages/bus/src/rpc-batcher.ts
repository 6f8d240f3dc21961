import { ErrorCode } from '@switchboard/protocol';
import { traceHeaders } from '@switchboard/telemetry';
import * as v from 'valibot';
import type { Bus, BusHeaders, BusMessage } from './bus.js';
import { RemoteError } from './errors.js';
import { encodeText } from './json.js';
import { decodeReply, replyOf, requestEncoded } from './rpc.js';
import { batchItemJson, isResend, joinJsonArray, RpcBatchHeader } from './rpc-batch.js';
import type { RpcBatchLimits, RpcDescriptor, RpcReply, RpcRequest } from './rpc-descriptor.js';

/** A call waiting for the end of the turn: its encoded body, headers, and promise. */
interface PendingCall {
  readonly bodyJson: string;
  readonly headers: BusHeaders;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/** Calls of one descriptor and timeout made in this turn. */
interface Pending {
  readonly descriptor: RpcDescriptor;
  readonly limits: Required<RpcBatchLimits>;
  readonly timeoutMs: number;
  readonly calls: PendingCall[];
}

const wholeError = v.object({ error: v.object({ code: v.number(), message: v.string() }) });

/**
 * Coalesces calls of batchable descriptors: calls made in the same event-loop turn are flushed
 * at its end (`setImmediate`, no timer) as one bus request per `maxItems`/`maxBytes` chunk (wire format in
 * rpc-batch.ts). A chunk of one call is sent exactly as an uncoalesced call. Each caller gets its
 * own result or error; a bus failure of the batch request (timeout, no responders, closed)
 * rejects all of its callers; a service that refuses batches gets the calls one by one.
 */
export class RpcBatcher {
  readonly #bus: Bus;
  readonly #pending = new Map<string, Pending>();
  constructor(bus: Bus) {
    this.#bus = bus;
  }

  /** Queues a call of a batchable descriptor (`limits`: its `batchLimits`) for the end of the turn. */
  call<D extends RpcDescriptor>(
    descriptor: D,
    limits: Required<RpcBatchLimits>,
    body: RpcRequest<D>,
    timeoutMs: number,
    headers: BusHeaders | undefined,
  ): Promise<RpcReply<D>> {
    return new Promise<unknown>((resolve, reject) => {
      // Encoded now, like an uncoalesced call: the caller may reuse the body; its trace is now.
      const call: PendingCall = {
        bodyJson: JSON.stringify(body) ?? 'null',
        headers: { ...traceHeaders(), ...headers },
        resolve,
        reject,
      };
      const key = `${descriptor.subject}\n${timeoutMs}`;
      const pending = this.#pending.get(key);
      if (pending) {
        pending.calls.push(call);
        return;
      }
      this.#pending.set(key, { descriptor, limits, timeoutMs, calls: [call] });
      // After every callback of this event-loop turn, not just the current one: upgrades and
      // joins of one storm arrive in many socket callbacks of the same turn.
      setImmediate(() => this.#flush(key));
    }) as Promise<RpcReply<D>>;
  }

  #flush(key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    const { descriptor, limits, timeoutMs, calls } = pending;
    if (calls.length === 1) {
      this.#sendAlone(descriptor, calls[0]!, timeoutMs);
      return;
    }
    let chunk: PendingCall[] = [];
    let items: Uint8Array[] = [];
    let bytes = 2;
    const send = () => {
      if (chunk.length === 1) this.#sendAlone(descriptor, chunk[0]!, timeoutMs);
      else if (chunk.length > 1) this.#sendBatch(descriptor, chunk, items, timeoutMs);
      chunk = [];
      items = [];
      bytes = 2;
    };
    for (const call of calls) {
      const item = encodeText(batchItemJson(call.bodyJson, call.headers));
      if (chunk.length > 0 && (chunk.length >= limits.maxItems || bytes + 1 + item.length > limits.maxBytes))
        send();
      chunk.push(call);
      items.push(item);
      bytes += item.length + 1;
    }
    send();
  }

  #sendAlone(descriptor: RpcDescriptor, call: PendingCall, timeoutMs: number): void {
    requestEncoded(this.#bus, descriptor, encodeText(call.bodyJson), call.headers, timeoutMs).then(
      call.resolve,
      call.reject,
    );
  }

  #sendBatch(
    descriptor: RpcDescriptor,
    calls: readonly PendingCall[],
    items: readonly Uint8Array[],
    timeoutMs: number,
  ): void {
    const headers = { [RpcBatchHeader]: String(calls.length) };
    const rejectAll = (error: unknown) => {
      for (const call of calls) call.reject(error);
    };
    let reply: Promise<BusMessage>;
    try {
      reply = this.#bus.request(descriptor.subject, joinJsonArray(items), { timeoutMs, headers });
    } catch (error) {
      // A bus may refuse synchronously (a bad subject): the callers still get the error.
      rejectAll(error);
      return;
    }
    reply.then((msg) => {
      let raw: unknown;
      try {
        raw = decodeReply(descriptor, msg.data);
      } catch (error) {
        rejectAll(error);
        return;
      }
      this.#settle(descriptor, calls, raw, timeoutMs);
    }, rejectAll);
  }

  #settle(descriptor: RpcDescriptor, calls: readonly PendingCall[], raw: unknown, timeoutMs: number): void {
    if (!Array.isArray(raw)) {
      // A whole-request BadRequest: a service that takes no batches (another version); no
      // handler ran, so the calls go again one by one.
      const refused = v.safeParse(wholeError, raw);
      if (refused.success && refused.output.error.code === ErrorCode.BadRequest) {
        for (const call of calls) this.#sendAlone(descriptor, call, timeoutMs);
        return;
      }
      // Any other error envelope is every caller's error; anything else is not a batch reply.
      const error = errorOf(descriptor, raw);
      for (const call of calls) call.reject(error);
      return;
    }
    if (raw.length !== calls.length) {
      const error = new RemoteError(
        ErrorCode.Internal,
        `unexpected reply on "${descriptor.subject}": ${raw.length} items for ${calls.length} calls`,
      );
      for (const call of calls) call.reject(error);
      return;
    }
    calls.forEach((call, i) => {
      const item: unknown = raw[i];
      if (isResend(item)) {
        this.#sendAlone(descriptor, call, timeoutMs);
        return;
      }
      try {
        call.resolve(replyOf(descriptor, item));
      } catch (error) {
        call.reject(error);
      }
    });
  }
}

/** The error a non-array reply to a batch stands for: its own coded error, or `Internal`. */
function errorOf(descriptor: RpcDescriptor, raw: unknown): unknown {
  try {
    replyOf(descriptor, raw);
  } catch (error) {
    return error;
  }
  return new RemoteError(
    ErrorCode.Internal,
    `unexpected reply on "${descriptor.subject}": not a batch reply`,
  );
}

import type * as v from 'valibot';

/**
 * One bus request subject, declared once next to the service that answers it: where requests
 * go (`subject`, served by the `queue` group) and the valibot schemas of the request body and
 * of the reply's `result`. The caller (`RpcClient.call`) and the handler (`serve`) both take
 * it, so the body is typed for the caller, validated and typed for the handler, and the reply
 * is typed for the handler and validated for the caller.
 */
export interface RpcDescriptor<
  Request extends v.GenericSchema = v.GenericSchema,
  Reply extends v.GenericSchema = v.GenericSchema,
> {
  readonly subject: string;
  readonly queue: string;
  readonly request: Request;
  readonly reply: Reply;
  /**
   * Opt-in coalescing: calls made in the same event-loop turn travel as one bus request (see
   * `RpcBatchLimits`). Only for handlers that are safe to run concurrently and whose replies are
   * small; the service answers each item on its own.
   */
  readonly batch?: true | RpcBatchLimits;
}

/** Caps of one coalesced request; a lone call, or one larger than `maxBytes`, goes alone. */
export interface RpcBatchLimits {
  /** Calls per bus request (default 64). */
  readonly maxItems?: number;
  /** Encoded request bytes per bus request, well under the NATS max payload (default 256 KiB). */
  readonly maxBytes?: number;
}

/** Declares a descriptor (an identity function: it only pins the schema types). */
export function rpcDescriptor<Request extends v.GenericSchema, Reply extends v.GenericSchema>(
  descriptor: RpcDescriptor<Request, Reply>,
): RpcDescriptor<Request, Reply> {
  return descriptor;
}

/** What a caller sends (the request schema's input). */
export type RpcRequest<D extends RpcDescriptor> = v.InferInput<D['request']>;
/** What a handler receives once the body is validated (the request schema's output). */
export type RpcBody<D extends RpcDescriptor> = v.InferOutput<D['request']>;
/** What a handler answers (the reply schema's input). */
export type RpcResult<D extends RpcDescriptor> = v.InferInput<D['reply']>;
/** What a caller gets back once the reply is validated (the reply schema's output). */
export type RpcReply<D extends RpcDescriptor> = v.InferOutput<D['reply']>;

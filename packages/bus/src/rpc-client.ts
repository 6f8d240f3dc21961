import type { Bus, BusHeaders } from './bus.js';
import { call } from './rpc.js';
import { batchLimits } from './rpc-batch.js';
import { RpcBatcher } from './rpc-batcher.js';
import type { RpcDescriptor, RpcReply, RpcRequest } from './rpc-descriptor.js';

export interface RpcCallOptions {
  /** This call's timeout (default: the client's). */
  timeoutMs?: number;
  headers?: BusHeaders;
}

/**
 * The typed caller of every bus request subject: `call(descriptor, body)` resolves the
 * validated reply; coded errors (and replies that do not match) reject with `RemoteError`,
 * bus failures with `TimeoutError`, `NoRespondersError` or `ClosedError`. Calls of a descriptor
 * with `batch` made in the same turn are coalesced into one bus request (`RpcBatcher`).
 */
export class RpcClient {
  readonly #bus: Bus;
  readonly #timeoutMs: number;
  readonly #batcher: RpcBatcher;
  constructor(bus: Bus, timeoutMs: number) {
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
    this.#batcher = new RpcBatcher(bus);
  }

  call<D extends RpcDescriptor>(
    descriptor: D,
    body: RpcRequest<D>,
    options?: RpcCallOptions,
  ): Promise<RpcReply<D>> {
    const timeoutMs = options?.timeoutMs ?? this.#timeoutMs;
    const limits = batchLimits(descriptor);
    if (limits) return this.#batcher.call(descriptor, limits, body, timeoutMs, options?.headers);
    return call(this.#bus, descriptor, body, {
      timeoutMs,
      ...(options?.headers ? { headers: options.headers } : {}),
    });
  }
}

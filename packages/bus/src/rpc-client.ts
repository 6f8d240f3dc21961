import type { Bus, BusHeaders } from './bus.js';
import { call } from './rpc.js';
import type { RpcDescriptor, RpcReply, RpcRequest } from './rpc-descriptor.js';

export interface RpcCallOptions {
  /** This call's timeout (default: the client's). */
  timeoutMs?: number;
  headers?: BusHeaders;
}

/**
 * The typed caller of every bus request subject: `call(descriptor, body)` resolves the
 * validated reply; coded errors (and replies that do not match) reject with `RemoteError`,
 * bus failures with `TimeoutError`, `NoRespondersError` or `ClosedError`.
 */
export class RpcClient {
  readonly #bus: Bus;
  readonly #timeoutMs: number;
  constructor(bus: Bus, timeoutMs: number) {
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
  }

  call<D extends RpcDescriptor>(
    descriptor: D,
    body: RpcRequest<D>,
    options?: RpcCallOptions,
  ): Promise<RpcReply<D>> {
    return call(this.#bus, descriptor, body, {
      timeoutMs: options?.timeoutMs ?? this.#timeoutMs,
      ...(options?.headers ? { headers: options.headers } : {}),
    });
  }
}

import { type Bus, RpcClient } from '@switchboard/bus';
import { RouterRpc } from './rpc.js';
import type {
  HistoryReply,
  HistoryRequest,
  JoinReply,
  JoinRequest,
  PublishReply,
  PublishRequest,
} from './types.js';

/** What the edge uses to reach the router service: a typed facade over `RpcClient`. */
export class RouterClient {
  readonly #rpc: RpcClient;
  constructor(bus: Bus, timeoutMs: number) {
    this.#rpc = new RpcClient(bus, timeoutMs);
  }
  publish(req: PublishRequest): Promise<PublishReply> {
    return this.#rpc.call(RouterRpc.publish, req);
  }
  join(req: JoinRequest): Promise<JoinReply> {
    return this.#rpc.call(RouterRpc.join, req);
  }
  history(req: HistoryRequest): Promise<HistoryReply> {
    return this.#rpc.call(RouterRpc.history, req);
  }
}

import { type Bus, callRpc, Subjects } from '@switchboard/bus';
import type {
  HistoryReply,
  HistoryRequest,
  JoinReply,
  JoinRequest,
  PublishReply,
  PublishRequest,
} from './types.js';

/** What the edge uses to reach the router service. Coded errors arrive as `RemoteError`. */
export class RouterClient {
  readonly #bus: Bus;
  readonly #timeoutMs: number;
  constructor(bus: Bus, timeoutMs: number) {
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
  }
  publish(req: PublishRequest): Promise<PublishReply> {
    return callRpc(this.#bus, Subjects.routerPublish, req, { timeoutMs: this.#timeoutMs });
  }
  join(req: JoinRequest): Promise<JoinReply> {
    return callRpc(this.#bus, Subjects.routerJoin, req, { timeoutMs: this.#timeoutMs });
  }
  history(req: HistoryRequest): Promise<HistoryReply> {
    return callRpc(this.#bus, Subjects.routerHistory, req, { timeoutMs: this.#timeoutMs });
  }
}

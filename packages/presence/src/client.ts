import { type Bus, RpcClient, type RpcRequest } from '@switchboard/bus';
import type { PresenceMember } from '@switchboard/protocol';
import type { PresenceCount, PresenceEntry, PresenceRoomsPage } from '@switchboard/stores';
import { PresenceRpc } from './rpc.js';

export type PresenceListRequest = RpcRequest<typeof PresenceRpc.list>;

/** What the edge uses to reach the presence service: a typed facade over `RpcClient`. */
export class PresenceClient {
  readonly #rpc: RpcClient;
  constructor(bus: Bus, timeoutMs: number) {
    this.#rpc = new RpcClient(bus, timeoutMs);
  }
  join(room: string, entry: PresenceEntry): Promise<{ tracked: boolean }> {
    return this.#rpc.call(PresenceRpc.join, { room, ...entry });
  }
  leave(room: string, conn: string): Promise<unknown> {
    return this.#rpc.call(PresenceRpc.leave, { room, conn });
  }
  /** Re-adds live entries so they outlive the store's TTL; the edge calls it every TTL/3. */
  refresh(entries: Array<PresenceEntry & { room: string }>): Promise<unknown> {
    return this.#rpc.call(PresenceRpc.refresh, { entries });
  }
  list(req: PresenceListRequest): Promise<{ members: PresenceMember[] }> {
    return this.#rpc.call(PresenceRpc.list, req);
  }
  /** Connections and distinct users in a room; `tracked: false` when presence is off for it. */
  count(room: string): Promise<PresenceCount & { tracked: boolean }> {
    return this.#rpc.call(PresenceRpc.count, { room });
  }
  /** Rooms with at least one member, in name order, after `cursor`. */
  rooms(options: { cursor?: string; limit?: number } = {}): Promise<PresenceRoomsPage> {
    return this.#rpc.call(PresenceRpc.rooms, options);
  }
}

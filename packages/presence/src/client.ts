import { type Bus, callRpc, Subjects } from '@switchboard/bus';
import type { PresenceMember } from '@switchboard/protocol';
import type { PresenceCount, PresenceEntry, PresenceRoomsPage } from '@switchboard/stores';

export interface PresenceListRequest {
  room: string;
  user: string;
  grants: { join: readonly string[]; publish: readonly string[] };
}

/** What the edge uses to reach the presence service. */
export class PresenceClient {
  readonly #bus: Bus;
  readonly #timeoutMs: number;
  constructor(bus: Bus, timeoutMs: number) {
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
  }
  join(room: string, entry: PresenceEntry): Promise<{ tracked: boolean }> {
    return callRpc(this.#bus, Subjects.presenceJoin, { room, ...entry }, { timeoutMs: this.#timeoutMs });
  }
  leave(room: string, conn: string): Promise<unknown> {
    return callRpc(this.#bus, Subjects.presenceLeave, { room, conn }, { timeoutMs: this.#timeoutMs });
  }
  /** Re-adds live entries so they outlive the store's TTL; the edge calls it every TTL/3. */
  refresh(entries: Array<PresenceEntry & { room: string }>): Promise<unknown> {
    return callRpc(this.#bus, Subjects.presenceRefresh, { entries }, { timeoutMs: this.#timeoutMs });
  }
  list(req: PresenceListRequest): Promise<{ members: PresenceMember[] }> {
    return callRpc(this.#bus, Subjects.presenceList, req, { timeoutMs: this.#timeoutMs });
  }
  /** Connections and distinct users in a room; `tracked: false` when presence is off for it. */
  count(room: string): Promise<PresenceCount & { tracked: boolean }> {
    return callRpc(this.#bus, Subjects.presenceCount, { room }, { timeoutMs: this.#timeoutMs });
  }
  /** Rooms with at least one member, in name order, after `cursor`. */
  rooms(options: { cursor?: string; limit?: number } = {}): Promise<PresenceRoomsPage> {
    return callRpc(this.#bus, Subjects.presenceRooms, options, { timeoutMs: this.#timeoutMs });
  }
}

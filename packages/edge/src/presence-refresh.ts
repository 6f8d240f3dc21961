import type { PresenceClient } from '@switchboard/presence';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from './connection.js';
import { type Membership, metaOf } from './membership.js';

export const PRESENCE_REFRESH_BATCH = 500;
/** A round is cut into this many ticks, one batch each (the last sends what is left). */
const TICKS_PER_ROUND = 50;

type RefreshEntry = Parameters<PresenceClient['refresh']>[0][number];

export interface PresenceRefreshDeps {
  /** Live connections; iterated across ticks (a Set's iterator survives inserts and deletes). */
  connections: Iterable<Connection>;
  membership: Pick<Membership, 'roomsOf'>;
  presence: Pick<PresenceClient, 'refresh'>;
  log: Logger;
  /** A round every this many ms (a third of the presence TTL). */
  intervalMs: number;
}

/**
 * Re-adds every local presence entry once per round, before its TTL runs out, spread over the
 * round: one batch of at most PRESENCE_REFRESH_BATCH entries per tick instead of all at once.
 * The first batch goes at the start of the round, the others every interval/50; the last tick
 * of a round sends whatever is left, so every entry that lives through a round is refreshed
 * in it. Entries are read when their batch is built: a connection that closed or left a room
 * in the meantime is not refreshed back to life.
 */
export class PresenceRefresh {
  readonly #deps: PresenceRefreshDeps;
  readonly #tickMs: number;
  #roundTimer: NodeJS.Timeout | undefined;
  #tickTimer: NodeJS.Timeout | undefined;
  /** The current round's place among the connections; undefined between rounds. */
  #cursor: Iterator<Connection> | undefined;
  /** A connection with more rooms than the last batch had room for, and those rooms. */
  #carry: { conn: Connection; rooms: string[] } | undefined;
  #ticksThisRound = 0;

  constructor(deps: PresenceRefreshDeps) {
    this.#deps = deps;
    this.#tickMs = deps.intervalMs / TICKS_PER_ROUND;
  }

  start(): void {
    this.stop();
    this.#roundTimer = setInterval(() => this.refresh(), this.#deps.intervalMs);
    this.#roundTimer.unref();
  }

  stop(): void {
    clearInterval(this.#roundTimer);
    clearTimeout(this.#tickTimer);
    this.#roundTimer = undefined;
    this.#tickTimer = undefined;
    this.#cursor = undefined;
    this.#carry = undefined;
  }

  /** Starts a round (finishing an unfinished one first, at once). */
  refresh(): void {
    if (this.#inRound()) this.#sendRest();
    this.#cursor = this.#deps.connections[Symbol.iterator]();
    this.#ticksThisRound = 0;
    this.#tick();
  }

  #tick(): void {
    this.#tickTimer = undefined;
    this.#ticksThisRound++;
    if (this.#ticksThisRound >= TICKS_PER_ROUND) {
      this.#sendRest();
      return;
    }
    this.#send(this.#nextBatch());
    if (!this.#inRound()) return;
    this.#tickTimer = setTimeout(() => this.#tick(), this.#tickMs);
    this.#tickTimer.unref();
  }

  #sendRest(): void {
    clearTimeout(this.#tickTimer);
    this.#tickTimer = undefined;
    while (this.#inRound()) this.#send(this.#nextBatch());
  }

  #inRound(): boolean {
    return this.#cursor !== undefined || this.#carry !== undefined;
  }

  /** Up to a batch of entries from where the round is; clears the cursor when it is done. */
  #nextBatch(): RefreshEntry[] {
    const batch: RefreshEntry[] = [];
    const carry = this.#carry;
    this.#carry = undefined;
    if (carry) this.#take(batch, carry.conn, carry.rooms);
    while (this.#carry === undefined && batch.length < PRESENCE_REFRESH_BATCH) {
      const next = this.#cursor?.next();
      if (!next || next.done) {
        this.#cursor = undefined;
        break;
      }
      const rooms = this.#deps.membership.roomsOf(next.value);
      if (rooms) this.#take(batch, next.value, rooms);
    }
    return batch;
  }

  /** Adds `conn`'s entries for those of `rooms` it is still in; what does not fit is carried. */
  #take(batch: RefreshEntry[], conn: Connection, rooms: Iterable<string>): void {
    const current = this.#deps.membership.roomsOf(conn);
    if (!conn.isOpen || !current) return;
    const identity = conn.identity!;
    const left: string[] = [];
    for (const room of rooms) {
      if (!current.has(room)) continue;
      if (batch.length >= PRESENCE_REFRESH_BATCH) left.push(room);
      else batch.push({ room, conn: conn.id, user: identity.user, ...metaOf(identity) });
    }
    if (left.length > 0) this.#carry = { conn, rooms: left };
  }

  #send(batch: RefreshEntry[]): void {
    if (batch.length === 0) return;
    this.#deps.presence
      .refresh(batch)
      .catch((error: unknown) => this.#deps.log.warn({ err: error }, 'presence refresh failed'));
  }
}

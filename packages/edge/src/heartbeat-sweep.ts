import { CloseCode } from '@switchboard/protocol';
import type { Connection } from './connection.js';

/** What the sweep does to a connection (the writer's ping and terminate, the buffer metric). */
export interface HeartbeatActions {
  /** Sends the heartbeat (one write); may close the connection (slow consumer). */
  ping(conn: Connection): void;
  /** Cuts a silent connection (4003); its cleanup calls `untrack`. */
  terminate(conn: Connection, code: number): void;
  /** One sample of a connection's unsent bytes per interval. */
  observeBuffer(bytes: number): void;
}

export interface HeartbeatTiming {
  pingIntervalMs: number;
  /** See `SB_PONG_TIMEOUT_MS`: at or above the interval there is no separate deadline. */
  pongTimeoutMs: number;
}

/** A tick about this often: small slices, and few timer wake-ups. */
const TARGET_TICK_MS = 100;
const MAX_SLOTS = 100;

/**
 * The heartbeat, spread over the interval: each connection belongs to one of `slots` slots
 * (the least loaded when it arrives), and one slot is swept per tick, so a turn of the event
 * loop handles about connections/slots of them instead of all. A slot comes round exactly once
 * per interval, so every connection is pinged once per interval, its pings an interval apart
 * (a cursor over the whole set would drift as connections come and go, and could ping one twice
 * in quick succession or not for nearly two intervals). Per connection, as documented in
 * docs/protocol.md "Heartbeats": silent since its previous ping (a whole interval) = closed at
 * this one; with a pong timeout below the interval, silent that long after its ping = closed
 * then. A path that dies is so found within interval + pong timeout.
 */
export class HeartbeatSweep {
  readonly #actions: HeartbeatActions;
  readonly #pongTimeoutMs: number;
  readonly #usePongDeadline: boolean;
  readonly #tickMs: number;
  readonly #slots: Array<Set<Connection>>;
  /** How many times each slot was swept: a pong deadline only applies to its own sweep. */
  readonly #sweeps: number[];
  readonly #slotOf = new Map<Connection, number>();
  /** Pong deadlines of recent sweeps, oldest first (pings go out in time order): at most one per slot. */
  readonly #deadlines: Array<{ slot: number; sweep: number; at: number }> = [];
  #nextSlot = 0;
  #origin = 0;
  #ticks = 0;
  #tickTimer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;

  constructor(actions: HeartbeatActions, timing: HeartbeatTiming) {
    this.#actions = actions;
    this.#pongTimeoutMs = timing.pongTimeoutMs;
    this.#usePongDeadline = timing.pongTimeoutMs < timing.pingIntervalMs;
    const slots = Math.max(1, Math.min(MAX_SLOTS, Math.round(timing.pingIntervalMs / TARGET_TICK_MS)));
    this.#tickMs = timing.pingIntervalMs / slots;
    this.#slots = Array.from({ length: slots }, () => new Set<Connection>());
    this.#sweeps = new Array<number>(slots).fill(0);
  }

  /** How many slices an interval is cut into. */
  get slotCount(): number {
    return this.#slots.length;
  }

  /** A new connection: its first ping comes within one interval. */
  track(conn: Connection): void {
    if (this.#slotOf.has(conn)) return;
    let slot = 0;
    for (let i = 1; i < this.#slots.length; i++) {
      if (this.#slots[i]!.size < this.#slots[slot]!.size) slot = i;
    }
    this.#slots[slot]!.add(conn);
    this.#slotOf.set(conn, slot);
  }

  /** A connection cleaned up: no more pings, no deadline. */
  untrack(conn: Connection): void {
    const slot = this.#slotOf.get(conn);
    if (slot === undefined) return;
    this.#slots[slot]!.delete(conn);
    this.#slotOf.delete(conn);
  }

  /** Starts ticking (the timers do not keep the process alive). */
  start(): void {
    this.stop();
    this.#origin = performance.now();
    this.#ticks = 0;
    this.#scheduleTick();
  }

  stop(): void {
    clearTimeout(this.#tickTimer);
    clearTimeout(this.#deadlineTimer);
    this.#tickTimer = undefined;
    this.#deadlineTimer = undefined;
    this.#deadlines.length = 0;
  }

  /**
   * Ticks keep to a fixed grid (no drift: a slot comes round every interval); after a stall
   * longer than a tick the grid moves on instead of sweeping the missed slots in a burst.
   */
  #scheduleTick(): void {
    const now = performance.now();
    let due = this.#origin + (this.#ticks + 1) * this.#tickMs;
    if (due < now) {
      this.#origin += now - due + this.#tickMs;
      due = now + this.#tickMs;
    }
    this.#tickTimer = setTimeout(() => this.#tick(), due - now);
    this.#tickTimer.unref();
  }

  #tick(): void {
    this.#ticks++;
    const slot = this.#nextSlot;
    this.#nextSlot = (slot + 1) % this.#slots.length;
    this.#sweep(slot);
    this.#scheduleTick();
  }

  /** Silent since the slot's last sweep = dead; the others are pinged (a Set survives deletes while iterated). */
  #sweep(slot: number): void {
    const actions = this.#actions;
    for (const conn of this.#slots[slot]!) {
      if (!conn.checkAlive()) {
        actions.terminate(conn, CloseCode.HeartbeatTimeout);
        continue;
      }
      actions.observeBuffer(conn.socket.bufferedAmount);
      actions.ping(conn);
    }
    const sweep = ++this.#sweeps[slot]!;
    if (!this.#usePongDeadline) return;
    this.#deadlines.push({ slot, sweep, at: performance.now() + this.#pongTimeoutMs });
    this.#armDeadline();
  }

  #armDeadline(): void {
    const head = this.#deadlines[0];
    if (this.#deadlineTimer !== undefined || head === undefined) return;
    this.#deadlineTimer = setTimeout(
      () => {
        this.#deadlineTimer = undefined;
        this.#closeSilent();
      },
      Math.max(0, head.at - performance.now()),
    );
    this.#deadlineTimer.unref();
  }

  /**
   * Closes the connections of each slot whose deadline has come that sent nothing since that
   * slot's ping. A connection that joined the slot after the ping counts as heard from.
   */
  #closeSilent(): void {
    const now = performance.now();
    while (this.#deadlines.length > 0 && this.#deadlines[0]!.at <= now) {
      const { slot, sweep } = this.#deadlines.shift()!;
      // Swept again since (a stall): that sweep judged silence itself.
      if (this.#sweeps[slot] !== sweep) continue;
      for (const conn of this.#slots[slot]!) {
        if (conn.awaitingPong()) this.#actions.terminate(conn, CloseCode.HeartbeatTimeout);
      }
    }
    this.#armDeadline();
  }
}

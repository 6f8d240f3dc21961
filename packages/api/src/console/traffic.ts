import { type Bus, Subjects, type Subscription } from '@switchboard/bus';

/** Rooms counted per window at most: a flood of one-off rooms cannot grow this without bound. */
const MAX_ROOMS = 1_000;

export interface TrafficRates {
  /** Messages per second delivered to rooms (router fan-out), over the last window. */
  messagesPerSecond: number;
  /** The busiest rooms of the last window, messages per second. */
  rooms: Array<{ room: string; perSecond: number }>;
  windowMs: number;
}

/**
 * Live message rates for the console: listens to every room's delivery subject while the console
 * runs and counts per window. It reads subjects only, never payloads.
 */
export class Traffic {
  readonly #sub: Subscription;
  readonly #timer: NodeJS.Timeout;
  readonly #windowMs: number;
  #counting = new Map<string, number>();
  #total = 0;
  #last: TrafficRates;

  constructor(bus: Bus, windowMs = 2_000) {
    this.#windowMs = windowMs;
    this.#last = { messagesPerSecond: 0, rooms: [], windowMs };
    const prefix = Subjects.room('');
    this.#sub = bus.subscribe(Subjects.room('>'), (msg) => {
      this.#total++;
      const room = msg.subject.slice(prefix.length);
      if (this.#counting.has(room) || this.#counting.size < MAX_ROOMS)
        this.#counting.set(room, (this.#counting.get(room) ?? 0) + 1);
    });
    this.#timer = setInterval(() => this.#roll(), windowMs);
    this.#timer.unref();
  }

  rates(): TrafficRates {
    return this.#last;
  }

  #roll(): void {
    const seconds = this.#windowMs / 1000;
    const rooms = [...this.#counting.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([room, n]) => ({ room, perSecond: n / seconds }));
    this.#last = { messagesPerSecond: this.#total / seconds, rooms, windowMs: this.#windowMs };
    this.#counting = new Map();
    this.#total = 0;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#sub.unsubscribe();
  }
}

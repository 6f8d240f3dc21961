import type { PresenceMember } from '@switchboard/protocol';

export type PushKind = 'joins' | 'leaves';

/** One push frame's worth: consecutive changes of one kind in one room. */
export interface PushSegment {
  kind: PushKind;
  members: PresenceMember[];
}

/**
 * Publishes a room's frames; resolves with the number of members they went to (the room's
 * size, which sets its next window), or undefined when nothing was sent (too large a room).
 */
export type FlushRoom = (room: string, segments: PushSegment[]) => Promise<number | undefined>;

export interface PushWindowOptions {
  /** The shortest gap between two pushes of a room, ms (default 20). */
  windowMs?: number;
  /** The longest, ms (default 1,000). */
  maxWindowMs?: number;
  /** Gap per member the room had at its last push, ms (default 10): bigger rooms push less often. */
  perMemberMs?: number;
  /** Members per frame at most (default 500); more start another frame. */
  maxPerFrame?: number;
}

interface RoomState {
  segments: PushSegment[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  /** A flush is due (next turn or at the end of the window). */
  scheduled: boolean;
  lastFlushAt: number;
  windowMs: number;
  /** Forgets the room once its window has passed with nothing pending. */
  expiry: NodeJS.Timeout | undefined;
}

/**
 * Coalesces each room's join/leave pushes into as few frames as possible, per room: a change
 * after a quiet spell goes out on the next turn; while a room's changes keep coming, it pushes
 * at most once per window. The window is the room's size times `perMemberMs` (20 ms to 1 s), so
 * a push, which costs one frame per member, costs a room at most ~1/perMemberMs frames per
 * second whatever its size — and a busy room never delays another room's pushes. In a connect
 * storm into 100-member rooms, each member gets about one frame per second carrying every join
 * of that second, instead of a frame per join (n² frames). Order is kept (a join then a leave
 * of the same connection stay two frames, in that order). `add` resolves once the change's
 * frame is published.
 */
export class PushBatcher {
  readonly #flushRoom: FlushRoom;
  readonly #minWindowMs: number;
  readonly #maxWindowMs: number;
  readonly #perMemberMs: number;
  readonly #maxPerFrame: number;
  /** Rooms with a change pending or pushed within their window; the others are forgotten. */
  readonly #rooms = new Map<string, RoomState>();
  /** Rooms to flush on the next turn: one `setImmediate` for all of them. */
  #due: string[] = [];

  constructor(flushRoom: FlushRoom, options: PushWindowOptions = {}) {
    this.#flushRoom = flushRoom;
    this.#minWindowMs = options.windowMs ?? 20;
    this.#maxWindowMs = Math.max(this.#minWindowMs, options.maxWindowMs ?? 1_000);
    this.#perMemberMs = options.perMemberMs ?? 10;
    this.#maxPerFrame = options.maxPerFrame ?? 500;
  }

  /** Rooms the batcher holds state for (pending, or pushed within their window). */
  get trackedRooms(): number {
    return this.#rooms.size;
  }

  /** Resolves once the frame holding these members was published (or dropped as too large a room). */
  add(room: string, kind: PushKind, members: PresenceMember[]): Promise<void> {
    let state = this.#rooms.get(room);
    if (state === undefined) {
      state = {
        segments: [],
        waiters: [],
        scheduled: false,
        lastFlushAt: Number.NEGATIVE_INFINITY,
        windowMs: this.#minWindowMs,
        expiry: undefined,
      };
      this.#rooms.set(room, state);
    }
    const last = state.segments.at(-1);
    // Bounded frames: a segment holds at most maxPerFrame members; more start a new frame.
    if (last !== undefined && last.kind === kind && last.members.length + members.length <= this.#maxPerFrame)
      last.members.push(...members);
    else state.segments.push({ kind, members: [...members] });
    const pending = state;
    const done = new Promise<void>((resolve, reject) => pending.waiters.push({ resolve, reject }));
    if (!state.scheduled) {
      state.scheduled = true;
      clearTimeout(state.expiry);
      state.expiry = undefined;
      const wait = state.lastFlushAt + state.windowMs - performance.now();
      if (wait > 0) {
        setTimeout(() => this.#flush(room), wait);
      } else {
        if (this.#due.length === 0) setImmediate(() => this.#flushDue());
        this.#due.push(room);
      }
    }
    return done;
  }

  #flushDue(): void {
    const due = this.#due;
    this.#due = [];
    for (const room of due) this.#flush(room);
  }

  #flush(room: string): void {
    const state = this.#rooms.get(room);
    if (state === undefined) return;
    const { segments, waiters } = state;
    state.segments = [];
    state.waiters = [];
    state.scheduled = false;
    state.lastFlushAt = performance.now();
    this.#flushRoom(room, segments).then(
      (members) => {
        if (members !== undefined)
          state.windowMs = Math.min(
            this.#maxWindowMs,
            Math.max(this.#minWindowMs, members * this.#perMemberMs),
          );
        for (const w of waiters) w.resolve();
        this.#forgetWhenQuiet(room, state);
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
        this.#forgetWhenQuiet(room, state);
      },
    );
  }

  /** No unbounded state: a room with nothing pending is dropped once its window has passed. */
  #forgetWhenQuiet(room: string, state: RoomState): void {
    if (state.scheduled) return;
    clearTimeout(state.expiry);
    const left = Math.max(0, state.lastFlushAt + state.windowMs - performance.now());
    state.expiry = setTimeout(() => {
      if (!state.scheduled && this.#rooms.get(room) === state) this.#rooms.delete(room);
    }, left);
    state.expiry.unref?.();
  }
}

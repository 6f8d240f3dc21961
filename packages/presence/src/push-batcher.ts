import type { PresenceMember } from '@switchboard/protocol';

export type PushKind = 'joins' | 'leaves';

/** One push frame's worth: consecutive changes of one kind in one room. */
export interface PushSegment {
  kind: PushKind;
  members: PresenceMember[];
}

interface PendingRoom {
  segments: PushSegment[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/** A flush holding at least this many changes means a storm: the next window doubles. */
const STORM_CHANGES = 16;

/**
 * Coalesces a room's join/leave pushes of one moment into as few frames as possible: the next
 * turn after a quiet spell; while changes keep coming, at most one flush per window — 20 ms,
 * doubling up to 250 ms while each flush holds a storm's worth of changes (16+), halving back
 * when it does not. In a room of n members, n joins arriving together cost n frames per member
 * instead of n² when each has its own push, and in a connect storm each frame carries more of
 * them. Order is kept (a join then a leave of the same connection stay two frames, in that
 * order). `add` resolves once the change's frame is published.
 */
export class PushBatcher {
  readonly #flushRoom: (room: string, segments: PushSegment[]) => Promise<void>;
  readonly #maxPerFrame: number;
  #pending = new Map<string, PendingRoom>();
  readonly #windowMs: number;
  readonly #maxWindowMs: number;
  /** The window now: `windowMs`, wider during a storm. */
  #currentWindowMs: number;
  #scheduled = false;
  #lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    flushRoom: (room: string, segments: PushSegment[]) => Promise<void>,
    options: { windowMs?: number; maxWindowMs?: number; maxPerFrame?: number } = {},
  ) {
    this.#flushRoom = flushRoom;
    this.#windowMs = options.windowMs ?? 20;
    this.#maxWindowMs = Math.max(this.#windowMs, options.maxWindowMs ?? 250);
    this.#currentWindowMs = this.#windowMs;
    this.#maxPerFrame = options.maxPerFrame ?? 500;
  }

  /** Resolves once the frame holding these members was published (or dropped as too large a room). */
  add(room: string, kind: PushKind, members: PresenceMember[]): Promise<void> {
    let pending = this.#pending.get(room);
    if (pending === undefined) {
      pending = { segments: [], waiters: [] };
      this.#pending.set(room, pending);
    }
    const last = pending.segments.at(-1);
    // Bounded frames: a segment holds at most maxPerFrame members; more start a new frame.
    if (last !== undefined && last.kind === kind && last.members.length + members.length <= this.#maxPerFrame)
      last.members.push(...members);
    else pending.segments.push({ kind, members: [...members] });
    const done = new Promise<void>((resolve, reject) => pending.waiters.push({ resolve, reject }));
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Leading edge: a push after a quiet spell goes out on the next turn; during a burst, at
      // most one flush per window, so a storm of joins costs one frame per member per window.
      const wait = this.#lastFlushAt + this.#currentWindowMs - performance.now();
      if (wait <= 0) setImmediate(() => this.#flush());
      else setTimeout(() => this.#flush(), wait);
    }
    return done;
  }

  #flush(): void {
    this.#scheduled = false;
    this.#lastFlushAt = performance.now();
    const rooms = this.#pending;
    this.#pending = new Map();
    let changes = 0;
    for (const { segments } of rooms.values()) for (const s of segments) changes += s.members.length;
    this.#currentWindowMs =
      changes >= STORM_CHANGES
        ? Math.min(this.#maxWindowMs, this.#currentWindowMs * 2)
        : Math.max(this.#windowMs, this.#currentWindowMs / 2);
    for (const [room, { segments, waiters }] of rooms) {
      this.#flushRoom(room, segments).then(
        () => {
          for (const w of waiters) w.resolve();
        },
        (error: unknown) => {
          for (const w of waiters) w.reject(error);
        },
      );
    }
  }
}

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

/**
 * Coalesces a room's join/leave pushes of one moment (the next turn, or a 20 ms window while they
 * keep coming) into as few frames as possible:
 * in a room of n members, n joins arriving together cost n frames per member instead of n²
 * when each has its own push. Order is kept (a join then a leave of the same connection stay two
 * frames, in that order). Callers wait for their change's frame to be published, so a join is
 * still announced before it is answered.
 */
export class PushBatcher {
  readonly #flushRoom: (room: string, segments: PushSegment[]) => Promise<void>;
  readonly #maxPerFrame: number;
  #pending = new Map<string, PendingRoom>();
  readonly #windowMs: number;
  #scheduled = false;
  #lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    flushRoom: (room: string, segments: PushSegment[]) => Promise<void>,
    options: { windowMs?: number; maxPerFrame?: number } = {},
  ) {
    this.#flushRoom = flushRoom;
    this.#windowMs = options.windowMs ?? 20;
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
      const wait = this.#lastFlushAt + this.#windowMs - performance.now();
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

import type { PresenceMember } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PushBatcher, type PushSegment } from './push-batcher.js';

const member = (i: number): PresenceMember => ({ user: `u${i}`, conn: `c${i}` });

describe('PushBatcher', () => {
  let flushes: Array<{ at: number; room: string; segments: PushSegment[] }>;
  let batcher: PushBatcher;
  /** What the next flush reports as the room's size (sets its window); undefined = dropped. */
  let roomSize: number | undefined;
  let failNext: boolean;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
    flushes = [];
    roomSize = 2;
    failNext = false;
    batcher = new PushBatcher(async (room, segments) => {
      if (failNext) {
        failNext = false;
        throw new Error('bus down');
      }
      flushes.push({ at: performance.now(), room, segments });
      return roomSize;
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** `n` joins in `room` in one turn (each its own member). */
  const joins = (room: string, n: number, from = 0) =>
    Promise.all(Array.from({ length: n }, (_, i) => batcher.add(room, 'joins', [member(from + i)])));

  it('sends a lone change after a quiet spell on the next turn, and resolves once it is out', async () => {
    let done = false;
    void batcher.add('r', 'joins', [member(1)]).then(() => {
      done = true;
    });
    expect(flushes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushes.map((f) => f.segments)).toEqual([[{ kind: 'joins', members: [member(1)] }]]);
    expect(done).toBe(true);
  });

  it('keeps a join and a leave of the same connection two frames, in order', async () => {
    void batcher.add('r', 'joins', [member(1)]);
    void batcher.add('r', 'leaves', [member(1)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushes[0]!.segments.map((s) => s.kind)).toEqual(['joins', 'leaves']);
  });

  it('flushes a room at most once per window while its changes keep coming (20 ms for a small room)', async () => {
    void batcher.add('r', 'joins', [member(1)]);
    await vi.advanceTimersByTimeAsync(0);
    const first = flushes[0]!.at;
    void batcher.add('r', 'joins', [member(2)]);
    void batcher.add('r', 'joins', [member(3)]);
    await vi.advanceTimersByTimeAsync(19);
    expect(flushes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(flushes).toHaveLength(2);
    expect(flushes[1]!.at - first).toBe(20);
    expect(flushes[1]!.segments).toEqual([{ kind: 'joins', members: [member(2), member(3)] }]);
  });

  it("spaces a room's pushes by 10 ms per member it had at its last push, between 20 ms and 1 s", async () => {
    /** The gap before the next push of a room whose last push reached `size` members. */
    const gapAfter = async (size: number | undefined): Promise<number> => {
      roomSize = size;
      const before = flushes.length;
      void batcher.add('g', 'joins', [member(before)]);
      await vi.advanceTimersByTimeAsync(0);
      await vi.advanceTimersByTimeAsync(0);
      const pushedAt = flushes.at(-1)!.at;
      // Changes keep coming: the next one waits for the window.
      void batcher.add('g', 'joins', [member(before + 1)]);
      for (let ms = 0; ms < 5_000 && flushes.length === before + 1; ms++)
        await vi.advanceTimersByTimeAsync(1);
      return flushes.at(-1)!.at - pushedAt;
    };
    // Each measurement starts after a quiet spell longer than any window.
    const quiet = () => vi.advanceTimersByTimeAsync(2_000);
    expect(await gapAfter(5)).toBe(50);
    await quiet();
    expect(await gapAfter(100)).toBe(1_000);
    await quiet();
    expect(await gapAfter(1)).toBe(20);
    await quiet();
    expect(await gapAfter(5_000)).toBe(1_000);
  });

  it('never holds a room back because another room is busy', async () => {
    roomSize = 100;
    void batcher.add('busy', 'joins', [member(1)]);
    await vi.advanceTimersByTimeAsync(0);
    void batcher.add('busy', 'joins', [member(2)]);
    await vi.advanceTimersByTimeAsync(10);
    // The busy room waits for its 1 s window; a change in a quiet room goes out on the next turn.
    void batcher.add('quiet', 'joins', [member(3)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushes.map((f) => f.room)).toEqual(['busy', 'quiet']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(flushes.map((f) => f.room)).toEqual(['busy', 'quiet', 'busy']);
  });

  it('in a join storm into a 100-member room, sends about one frame per second with every join of it, in order', async () => {
    roomSize = 100;
    let next = 0;
    // 2,000 joins over 3 s: one every 1.5 ms.
    for (let ms = 0; ms < 3_000; ms += 3) {
      void joins('s', 2, next);
      next += 2;
      await vi.advanceTimersByTimeAsync(3);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    // The first join goes out alone at once, then one frame per second.
    expect(flushes.length).toBeLessThanOrEqual(5);
    const sent = flushes.flatMap((f) => f.segments.flatMap((seg) => seg.members.map((m) => m.conn)));
    expect(sent).toEqual(Array.from({ length: next }, (_, i) => `c${i}`));
  });

  it('forgets a room once its window has passed with nothing pending (no unbounded state)', async () => {
    roomSize = 50;
    void batcher.add('a', 'joins', [member(1)]);
    void batcher.add('b', 'leaves', [member(2)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(batcher.trackedRooms).toBe(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(batcher.trackedRooms).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(batcher.trackedRooms).toBe(0);
    // A change after that is a change after a quiet spell: out on the next turn.
    void batcher.add('a', 'joins', [member(3)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushes).toHaveLength(3);
  });

  it('rejects the waiters of a frame that failed, and keeps pushing the room afterwards', async () => {
    failNext = true;
    const failed = batcher.add('f', 'joins', [member(1)]);
    const outcome = failed.then(
      () => 'resolved',
      () => 'rejected',
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(await outcome).toBe('rejected');
    const later = batcher.add('f', 'joins', [member(2)]);
    await vi.advanceTimersByTimeAsync(20);
    await later;
    expect(flushes.at(-1)!.segments).toEqual([{ kind: 'joins', members: [member(2)] }]);
  });
});

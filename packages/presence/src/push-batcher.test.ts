import type { PresenceMember } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PushBatcher, type PushSegment } from './push-batcher.js';

const member = (i: number): PresenceMember => ({ user: `u${i}`, conn: `c${i}` });

describe('PushBatcher', () => {
  let flushes: Array<{ at: number; room: string; segments: PushSegment[] }>;
  let batcher: PushBatcher;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
    flushes = [];
    batcher = new PushBatcher(async (room, segments) => {
      flushes.push({ at: performance.now(), room, segments });
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

  it('flushes at most once per 20 ms window while changes keep coming', async () => {
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

  it('widens the window during a storm (more joins per frame), up to 250 ms, and narrows it after', async () => {
    let next = 0;
    /** Queues `n` joins now and returns when (fake ms) their frame went out. */
    const flushOf = async (n: number): Promise<number> => {
      const before = flushes.length;
      void joins('r', n, next);
      next += n;
      for (let ms = 0; ms < 1_000 && flushes.length === before; ms++) await vi.advanceTimersByTimeAsync(1);
      return flushes.at(-1)!.at;
    };
    // Each storm flush (16+ changes) doubles the window: the next flush waits 40, 80, 160, then 250.
    const times = [await flushOf(16)];
    for (let i = 0; i < 5; i++) times.push(await flushOf(16));
    // Small flushes halve it again: 250 (set by the last storm flush), then 125.
    times.push(await flushOf(1), await flushOf(1));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toEqual([40, 80, 160, 250, 250, 250, 125]);
    // Every join went out, in order.
    const sent = flushes.flatMap((f) => f.segments.flatMap((seg) => seg.members.map((m) => m.conn)));
    expect(sent).toEqual(Array.from({ length: next }, (_, i) => `c${i}`));
  });
});

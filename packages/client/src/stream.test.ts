import type { MessagePush } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { RoomStream, type StreamOutput } from './stream.js';

const msg = (offset: number, epoch = 'e1'): MessagePush => ({
  t: 'msg',
  room: 'r',
  offset,
  epoch,
  event: 'say',
  data: offset,
  from: { user: 'u', conn: 'c' },
  ts: 0,
});
const offsets = (out: StreamOutput[]) =>
  out.map((o) => (o.kind === 'message' ? o.message.offset : `!${o.reason}`));

function joined(offset = 0, epoch = 'e1'): RoomStream {
  const stream = new RoomStream(10);
  stream.applyJoin({ room: 'r', offset, epoch }, undefined);
  return stream;
}

describe('RoomStream', () => {
  it('a first join sets the position and delivers nothing', () => {
    const stream = new RoomStream();
    expect(stream.applyJoin({ room: 'r', offset: 7, epoch: 'e1' }, undefined)).toEqual([]);
    expect(stream.position).toEqual({ offset: 7, epoch: 'e1' });
  });

  it('delivers in order and drops duplicates', () => {
    const stream = joined();
    expect(offsets(stream.applyPush(msg(1)))).toEqual([1]);
    expect(offsets(stream.applyPush(msg(1)))).toEqual([]);
    expect(offsets(stream.applyPush(msg(2)))).toEqual([2]);
    expect(stream.duplicates).toBe(1);
    expect(stream.position).toEqual({ offset: 2, epoch: 'e1' });
  });

  it('holds messages that arrive early and releases them in order', () => {
    const stream = joined();
    expect(offsets(stream.applyPush(msg(3)))).toEqual([]);
    expect(offsets(stream.applyPush(msg(2)))).toEqual([]);
    expect(stream.missingFrom).toBe(1);
    expect(stream.head).toBe(3);
    expect(offsets(stream.applyPush(msg(3)))).toEqual([]);
    expect(offsets(stream.applyPush(msg(1)))).toEqual([1, 2, 3]);
    expect(stream.missingFrom).toBeUndefined();
  });

  it('recovery after a rejoin delivers only what was not delivered yet', () => {
    const stream = joined();
    stream.applyPush(msg(1));
    stream.applyPush(msg(2));
    const asked = stream.position;
    const out = stream.applyJoin(
      { room: 'r', offset: 4, epoch: 'e1', recovered: true, messages: [msg(4), msg(2), msg(3)] },
      asked,
    );
    expect(offsets(out)).toEqual([3, 4]);
    // A live push that repeats a recovered message is dropped.
    expect(offsets(stream.applyPush(msg(4)))).toEqual([]);
    expect(offsets(stream.applyPush(msg(5)))).toEqual([5]);
  });

  it('recovered:false jumps to the server position and says so', () => {
    const stream = joined();
    stream.applyPush(msg(1));
    const out = stream.applyJoin({ room: 'r', offset: 50, epoch: 'e1', recovered: false }, stream.position);
    expect(out).toEqual([
      { kind: 'unrecovered', reason: 'history_gap', position: { offset: 50, epoch: 'e1' } },
    ]);
    expect(offsets(stream.applyPush(msg(51)))).toEqual([51]);
  });

  it('an epoch change on rejoin restarts at offset 0 and asks for the new epoch from its start', () => {
    const stream = joined(10);
    stream.applyPush(msg(11));
    const out = stream.applyJoin({ room: 'r', offset: 2, epoch: 'e2', recovered: false }, stream.position);
    expect(out).toEqual([
      { kind: 'unrecovered', reason: 'epoch_changed', position: { offset: 0, epoch: 'e2' } },
    ]);
    expect(stream.missingFrom).toBe(1);
    expect(stream.head).toBe(2);
    expect(offsets(stream.applyPush(msg(3, 'e2')))).toEqual([]);
    expect(
      offsets(stream.applyGapFill({ offset: 3, epoch: 'e2', messages: [msg(1, 'e2'), msg(2, 'e2')] }, 3)),
    ).toEqual([1, 2, 3]);
  });

  it('ignores pushes from an epoch older than the current one (never goes back)', () => {
    const stream = joined(0, '100-old');
    expect(offsets(stream.applyPush(msg(1, '100-old')))).toEqual([1]);
    expect(offsets(stream.applyPush(msg(1, '200-new')))).toEqual(['!epoch_changed', 1]);
    // A stalled server publishes what it had appended to the replaced stream.
    expect(offsets(stream.applyPush(msg(2, '100-old')))).toEqual([]);
    expect(offsets(stream.applyPush(msg(2, '200-new')))).toEqual([2]);
    expect(stream.stale).toBe(1);
    expect(stream.position).toEqual({ offset: 2, epoch: '200-new' });
  });

  it('ignores a join reply or a history page from an older epoch', () => {
    const stream = joined(0, '200-new');
    stream.applyPush(msg(1, '200-new'));
    stream.applyPush(msg(3, '200-new'));
    expect(
      stream.applyJoin({ room: 'r', offset: 9, epoch: '100-old', recovered: false }, stream.position),
    ).toEqual([]);
    expect(stream.position).toEqual({ offset: 1, epoch: '200-new' });
    // A stale page neither fills nor skips the hole at 2.
    expect(stream.applyGapFill({ offset: 9, epoch: '100-old', messages: [msg(2, '100-old')] }, 10)).toEqual(
      [],
    );
    expect(stream.missingFrom).toBe(2);
    expect(offsets(stream.applyPush(msg(2, '200-new')))).toEqual([2, 3]);
    expect(stream.stale).toBe(2);
  });

  it('an epoch change in a live push resets and delivers the push', () => {
    const stream = joined(10);
    stream.applyPush(msg(12));
    expect(offsets(stream.applyPush(msg(1, 'e2')))).toEqual(['!epoch_changed', 1]);
    expect(stream.heldCount).toBe(0);
    expect(stream.position).toEqual({ offset: 1, epoch: 'e2' });
    // A later epoch's first push past offset 1 waits for the ones before it.
    expect(offsets(stream.applyPush(msg(5, 'e3')))).toEqual(['!epoch_changed']);
    expect(stream.missingFrom).toBe(1);
  });

  it('a recovered join that still misses messages declares the hole instead of waiting', () => {
    const stream = joined();
    const out = stream.applyJoin(
      { room: 'r', offset: 5, epoch: 'e1', recovered: true, messages: [msg(1), msg(2)] },
      stream.position,
    );
    expect(offsets(out)).toEqual([1, 2, '!history_gap']);
    expect(stream.position).toEqual({ offset: 5, epoch: 'e1' });
  });

  it('fills a hole from history, deduping against held messages', () => {
    const stream = joined();
    stream.applyPush(msg(1));
    stream.applyPush(msg(4));
    stream.applyPush(msg(5));
    const out = stream.applyGapFill({ offset: 5, epoch: 'e1', messages: [msg(2), msg(3), msg(4)] }, 4);
    expect(offsets(out)).toEqual([2, 3, 4, 5]);
    expect(stream.missingFrom).toBeUndefined();
  });

  it('skips what history no longer has, then delivers the rest', () => {
    const stream = joined();
    stream.applyPush(msg(1));
    stream.applyPush(msg(5));
    const out = stream.applyGapFill({ offset: 5, epoch: 'e1', messages: [msg(4)] }, 4);
    expect(offsets(out)).toEqual(['!history_gap', 4, 5]);
    expect(out[0]).toEqual({
      kind: 'unrecovered',
      reason: 'history_gap',
      position: { offset: 3, epoch: 'e1' },
    });
  });

  it('a full history page that made progress leaves the rest for the next read', () => {
    const stream = joined();
    stream.applyPush(msg(6));
    expect(offsets(stream.applyGapFill({ offset: 6, epoch: 'e1', messages: [msg(1), msg(2)] }, 2))).toEqual([
      1, 2,
    ]);
    expect(stream.missingFrom).toBe(3);
    expect(
      offsets(stream.applyGapFill({ offset: 6, epoch: 'e1', messages: [msg(3), msg(4), msg(5)] }, 3)),
    ).toEqual([3, 4, 5, 6]);
    expect(stream.missingFrom).toBeUndefined();
  });

  it('bounds what it holds: past the limit the hole is declared lost', () => {
    const stream = joined();
    const delivered: Array<number | string> = [];
    for (let offset = 2; offset <= 12; offset++) delivered.push(...offsets(stream.applyPush(msg(offset))));
    expect(delivered).toEqual(['!history_gap', ...Array.from({ length: 11 }, (_, i) => i + 2)]);
    expect(stream.heldCount).toBe(0);
  });

  it('dropHeld forgets held messages but keeps the position', () => {
    const stream = joined();
    stream.applyPush(msg(1));
    stream.applyPush(msg(3));
    stream.dropHeld();
    expect(stream.heldCount).toBe(0);
    expect(stream.position).toEqual({ offset: 1, epoch: 'e1' });
  });
});

import type { PresenceMember } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { PresenceSet } from './presence.js';

const m = (conn: string, user = conn.toUpperCase()): PresenceMember => ({ user, conn });
const conns = (set: PresenceSet) => set.members.map((x) => x.conn).sort();

describe('PresenceSet', () => {
  it('applies a snapshot then diffs, keyed by connection', () => {
    const set = new PresenceSet();
    expect(set.synced).toBe(false);
    set.beginSnapshot();
    set.applySnapshot([m('a'), m('b')]);
    expect(set.synced).toBe(true);
    expect(conns(set)).toEqual(['a', 'b']);
    expect(set.applyDiff({ t: 'presence', room: 'r', joins: [m('c')], leaves: [m('a')] })).toEqual({
      joins: [m('c')],
      leaves: [m('a')],
    });
    expect(conns(set)).toEqual(['b', 'c']);
  });

  it('treats repeated joins and unknown leaves as no-ops', () => {
    const set = new PresenceSet();
    set.applySnapshot([m('a')]);
    expect(set.applyDiff({ t: 'presence', room: 'r', joins: [m('a')], leaves: [m('zz')] })).toEqual({
      joins: [],
      leaves: [],
    });
    expect(conns(set)).toEqual(['a']);
  });

  it('replays diffs that arrived while the snapshot was in flight', () => {
    const set = new PresenceSet();
    set.beginSnapshot();
    expect(set.applyDiff({ t: 'presence', room: 'r', joins: [m('late')] })).toBeUndefined();
    expect(set.applyDiff({ t: 'presence', room: 'r', leaves: [m('gone')] })).toBeUndefined();
    // The snapshot was taken before both diffs: it still lists 'gone' and lacks 'late'.
    expect(set.applySnapshot([m('a'), m('gone')])).toBe(true);
    expect(conns(set)).toEqual(['a', 'late']);
  });

  it('reports an overflowing diff buffer so the caller re-fetches', () => {
    const set = new PresenceSet(2);
    set.beginSnapshot();
    for (const conn of ['x', 'y', 'z']) set.applyDiff({ t: 'presence', room: 'r', joins: [m(conn)] });
    expect(set.applySnapshot([])).toBe(false);
  });

  it('returns copies, so callers cannot corrupt the set', () => {
    const set = new PresenceSet();
    set.applySnapshot([m('a')]);
    const members = set.members;
    (members[0] as PresenceMember).conn = 'hacked';
    expect(conns(set)).toEqual(['a']);
  });
});

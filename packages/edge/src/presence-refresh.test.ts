import type { Duplex } from 'node:stream';
import { silentLogger } from '@switchboard/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, type EdgeSocket, type SocketEvents } from './connection.js';
import { PRESENCE_REFRESH_BATCH, PresenceRefresh } from './presence-refresh.js';

const noEvents: SocketEvents = { frame: () => {}, closed: () => {} };

/** Open connections in rooms, and a presence client recording each batch with its (fake) time. */
function harness(intervalMs: number) {
  const connections = new Set<Connection>();
  const roomsOf = new Map<Connection, Set<string>>();
  const batches: Array<{ at: number; entries: Array<{ room: string; conn: string; user: string }> }> = [];
  const refresh = new PresenceRefresh({
    connections,
    membership: { roomsOf: (conn) => roomsOf.get(conn) },
    presence: {
      refresh: async (entries) => {
        batches.push({ at: performance.now(), entries });
        return {};
      },
    },
    log: silentLogger(),
    intervalMs,
  });
  let n = 0;
  const connect = (rooms: string[]): Connection => {
    const conn = new Connection(`c${n++}`, {} as EdgeSocket, {} as Duplex, noEvents, 10);
    conn.open({ user: `u${n}`, grants: { join: ['*'], publish: [] } });
    connections.add(conn);
    roomsOf.set(conn, new Set(rooms));
    return conn;
  };
  const disconnect = (conn: Connection) => {
    conn.markClosed();
    connections.delete(conn);
    roomsOf.delete(conn);
  };
  /** How many times each (room, conn) entry was refreshed in batches sent in [from, to). */
  const counts = (from: number, to: number) => {
    const seen = new Map<string, number>();
    for (const batch of batches) {
      if (batch.at < from || batch.at >= to) continue;
      for (const e of batch.entries)
        seen.set(`${e.room}/${e.conn}`, (seen.get(`${e.room}/${e.conn}`) ?? 0) + 1);
    }
    return seen;
  };
  return { refresh, batches, connect, disconnect, roomsOf, counts };
}

describe('PresenceRefresh', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refreshes every entry once per round, one batch per tick instead of all at once', () => {
    const h = harness(10_000);
    // 1,200 connections in 2 rooms each, one of them in 1,100 rooms: 3,500 entries, 7 batches.
    for (let i = 0; i < 1_200; i++) h.connect([`a${i % 10}`, `b${i % 7}`]);
    h.connect(Array.from({ length: 1_100 }, (_, i) => `many${i}`));
    h.refresh.start();
    vi.advanceTimersByTime(10_000); // the first round starts
    for (let round = 1; round <= 2; round++) {
      const from = performance.now();
      vi.advanceTimersByTime(10_000);
      const batches = h.batches.filter((b) => b.at >= from && b.at < from + 10_000);
      expect(batches).toHaveLength(7);
      expect(new Set(batches.map((b) => b.at)).size).toBe(7);
      for (const batch of batches) expect(batch.entries.length).toBeLessThanOrEqual(PRESENCE_REFRESH_BATCH);
      const counts = h.counts(from, from + 10_000);
      expect(counts.size).toBe(3_500);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
      // Spread: the round's batches a tick (interval/50) apart, all done well within the round.
      expect(batches.at(-1)!.at - batches[0]!.at).toBe(6 * 200);
    }
  });

  it('does not refresh an entry whose connection closed or left the room before its batch', () => {
    const h = harness(3_000);
    const conns = Array.from({ length: 1_000 }, () => h.connect(['r1', 'r2']));
    h.refresh.start();
    vi.advanceTimersByTime(3_000); // the first batch went out: 250 connections
    const late = conns[900]!;
    const leaver = conns[950]!;
    h.disconnect(late);
    h.roomsOf.get(leaver)!.delete('r2');
    const joined = h.connect(['r3']);
    vi.advanceTimersByTime(3_000 - 1);
    const refreshed = h.counts(0, Number.POSITIVE_INFINITY);
    expect(refreshed.has(`r1/${late.id}`)).toBe(false);
    expect(refreshed.get(`r1/${leaver.id}`)).toBe(1);
    expect(refreshed.has(`r2/${leaver.id}`)).toBe(false);
    expect(refreshed.get(`r3/${joined.id}`)).toBe(1);
    expect(refreshed.get(`r2/${conns[0]!.id}`)).toBe(1);
  });

  it('sends what is left on the last tick of a round when the batches do not fit in it', () => {
    const h = harness(5_000);
    // 60 batches' worth: more than one batch per tick is needed.
    for (let i = 0; i < 60 * PRESENCE_REFRESH_BATCH; i++) h.connect(['r']);
    h.refresh.start();
    vi.advanceTimersByTime(9_999); // the round that starts at 5 s, up to the next
    const counts = h.counts(0, 10_000);
    expect(counts.size).toBe(60 * PRESENCE_REFRESH_BATCH);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(Math.max(...h.batches.map((b) => b.at))).toBeLessThan(10_000);
  });
});

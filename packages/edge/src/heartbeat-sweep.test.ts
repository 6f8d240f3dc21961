import type { Duplex } from 'node:stream';
import { CloseCode } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, type EdgeSocket, type SocketEvents } from './connection.js';
import { HeartbeatSweep } from './heartbeat-sweep.js';

const noEvents: SocketEvents = { frame: () => {}, closed: () => {} };

/** A sweep over fake connections, recording every ping and close with its (fake) time. */
function harness(pingIntervalMs: number, pongTimeoutMs: number) {
  const pings = new Map<Connection, number[]>();
  const closed = new Map<Connection, { at: number; code: number }>();
  const pingsPerTick = new Map<number, number>();
  let observations = 0;
  const sweep: HeartbeatSweep = new HeartbeatSweep(
    {
      ping: (conn) => {
        const at = performance.now();
        pings.get(conn)!.push(at);
        pingsPerTick.set(at, (pingsPerTick.get(at) ?? 0) + 1);
      },
      terminate: (conn, code) => {
        closed.set(conn, { at: performance.now(), code });
        sweep.untrack(conn); // what the edge's cleanup does
      },
      observeBuffer: () => observations++,
    },
    { pingIntervalMs, pongTimeoutMs },
  );
  let n = 0;
  const connect = (): Connection => {
    const socket = { bufferedAmount: 0 } as unknown as EdgeSocket;
    const conn = new Connection(`c${n++}`, socket, {} as Duplex, noEvents, 10);
    pings.set(conn, []);
    sweep.track(conn);
    return conn;
  };
  return { sweep, pings, closed, pingsPerTick, connect, observations: () => observations };
}

/** Connections that answer every ping within `ms` (a pong or any frame), until told to stop. */
function answering(conns: () => Iterable<Connection>, ms: number, silentFrom?: Map<Connection, number>) {
  const timer = setInterval(() => {
    for (const conn of conns()) {
      const silentAt = silentFrom?.get(conn);
      if (silentAt === undefined || performance.now() < silentAt) conn.heardFrom();
    }
  }, ms);
  return () => clearInterval(timer);
}

describe('HeartbeatSweep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('pings every connection exactly once per interval, an interval apart, a slice per tick', () => {
    const h = harness(10_000, 5_000);
    const conns = Array.from({ length: 1_000 }, h.connect);
    const stop = answering(() => conns, 50);
    h.sweep.start();
    const t0 = performance.now();
    for (let round = 1; round <= 3; round++) {
      vi.advanceTimersByTime(10_000);
      for (const conn of conns) {
        const pings = h.pings.get(conn)!;
        expect(
          pings.filter((at) => at > t0 + (round - 1) * 10_000 && at <= t0 + round * 10_000),
        ).toHaveLength(1);
      }
    }
    for (const conn of conns) {
      const [a, b, c] = h.pings.get(conn)!;
      expect(b! - a!).toBeCloseTo(10_000, 6);
      expect(c! - b!).toBeCloseTo(10_000, 6);
    }
    // 100 slices of 100 ms: 10 connections per turn instead of 1,000.
    expect(h.sweep.slotCount).toBe(100);
    expect(Math.max(...h.pingsPerTick.values())).toBe(10);
    expect(h.pingsPerTick.size).toBe(300);
    expect(h.observations()).toBe(3_000);
    expect(h.closed.size).toBe(0);
    stop();
  });

  it('gives connections that come and go their own steady slot: none pinged twice in an interval or skipped', () => {
    const h = harness(1_000, 400);
    const early = Array.from({ length: 30 }, h.connect);
    const stop = answering(() => h.pings.keys(), 20);
    h.sweep.start();
    const joinedAt = new Map<Connection, number>();
    const gone = new Set<Connection>();
    for (let step = 0; step < 60; step++) {
      vi.advanceTimersByTime(37);
      const late = h.connect();
      joinedAt.set(late, performance.now());
      const leaving = early[step % early.length]!;
      if (step % 7 === 0 && !gone.has(leaving)) {
        h.sweep.untrack(leaving);
        gone.add(leaving);
        h.pings.get(leaving)!.push(-performance.now()); // marks the removal
      }
    }
    vi.advanceTimersByTime(2_000);
    stop();
    for (const [conn, pings] of h.pings) {
      if (gone.has(conn)) {
        expect(pings.at(-1)!, 'no ping after removal').toBeLessThan(0);
        continue;
      }
      const first = pings[0]!;
      if (joinedAt.has(conn)) expect(first - joinedAt.get(conn)!).toBeLessThanOrEqual(1_000);
      for (let i = 1; i < pings.length; i++) expect(pings[i]! - pings[i - 1]!).toBeCloseTo(1_000, 6);
    }
    expect(h.closed.size).toBe(0);
  });

  it('closes a connection silent for its pong timeout after its ping, not before, and keeps the answering ones', () => {
    const h = harness(1_000, 400);
    const conns = Array.from({ length: 50 }, h.connect);
    const silent = conns[17]!;
    const silentFrom = new Map([[silent, 1_500]]);
    const stop = answering(() => conns, 10, silentFrom);
    h.sweep.start();
    vi.advanceTimersByTime(4_000);
    stop();
    // Its first ping after it went silent.
    const silentPing = h.pings.get(silent)!.find((at) => at >= 1_500)!;
    expect([...h.closed.keys()]).toEqual([silent]);
    expect(h.closed.get(silent)).toEqual({ at: silentPing + 400, code: CloseCode.HeartbeatTimeout });
  });

  it('finds a connection that goes silent at any moment within interval + pong timeout', () => {
    for (const goesSilentAt of [0, 1, 250, 499, 733, 999]) {
      const h = harness(1_000, 400);
      const conns = Array.from({ length: 25 }, h.connect);
      const silent = conns[goesSilentAt % 25]!;
      const deadAt = performance.now() + 2_000 + goesSilentAt;
      const stop = answering(() => conns, 5, new Map([[silent, deadAt]]));
      h.sweep.start();
      vi.advanceTimersByTime(6_000);
      stop();
      h.sweep.stop();
      expect([...h.closed.keys()]).toEqual([silent]);
      const foundAfter = h.closed.get(silent)!.at - deadAt;
      expect(foundAfter).toBeGreaterThanOrEqual(400 - 5);
      expect(foundAfter).toBeLessThanOrEqual(1_000 + 400);
    }
  });

  it('without a pong deadline (timeout ≥ interval), closes only a connection silent for a whole interval', () => {
    const h = harness(500, 5_000);
    const [quiet, chatty] = [h.connect(), h.connect()];
    h.sweep.start();
    vi.advanceTimersByTime(500);
    const quietPing = h.pings.get(quiet)![0]!;
    chatty.heardFrom();
    vi.advanceTimersByTime(quietPing + 499 - performance.now());
    expect(h.closed.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect([...h.closed.keys()]).toEqual([quiet]);
    expect(h.closed.get(quiet)).toEqual({ at: quietPing + 500, code: CloseCode.HeartbeatTimeout });
    vi.advanceTimersByTime(200);
    expect(h.pings.get(chatty)).toHaveLength(2);
    expect(h.closed.size).toBe(1);
  });

  it('after a stall, carries on from where it was instead of sweeping the missed slots in a burst', () => {
    const h = harness(1_000, 400);
    const conns = Array.from({ length: 20 }, h.connect);
    const stop = answering(() => conns, 20);
    h.sweep.start();
    vi.advanceTimersByTime(1_050);
    // The loop was blocked for 5 s: the clock moved on, no timer ran.
    const now = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => now() + 5_000);
    vi.advanceTimersByTime(3_000);
    stop();
    expect(h.closed.size).toBe(0);
    for (const pings of h.pings.values()) {
      for (let i = 1; i < pings.length; i++) expect(pings[i]! - pings[i - 1]!).toBeGreaterThan(900);
    }
  });
});

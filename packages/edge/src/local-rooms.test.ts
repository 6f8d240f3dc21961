import { type Bus, DeliveryHeaders, encodeText, MemoryBusHub, Subjects } from '@switchboard/bus';
import { silentLogger } from '@switchboard/telemetry';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { LocalRooms } from './local-rooms.js';
import { EdgeMetrics } from './metrics.js';

/** The JSON inside a server WebSocket frame (deliveries reach connections already framed). */
function payloadOf(wire: Buffer): string {
  const length = wire[1]!;
  return wire.subarray(length < 126 ? 2 : length === 126 ? 4 : 10).toString();
}

const frameFor = (offset: number, epoch = 'e1') =>
  `{"t":"msg","room":"r","offset":${offset},"epoch":"${epoch}","data":${offset}}`;

describe('LocalRooms ordering', () => {
  let hub: MemoryBusHub;
  let edgeBus: Bus;
  let routerBus: Bus;
  let history: Map<number, string>;
  let fetches: number[];
  let rooms: LocalRooms;
  const received = new Map<Connection, number[]>();
  const fakeConn = () => {
    const conn = {} as Connection;
    received.set(conn, []);
    return conn;
  };
  const offsets = (conn: Connection) => received.get(conn)!;

  beforeEach(() => {
    hub = new MemoryBusHub();
    edgeBus = hub.connect();
    routerBus = hub.connect();
    history = new Map();
    fetches = [];
    rooms = new LocalRooms({
      bus: edgeBus,
      metrics: new EdgeMetrics(new Registry()),
      log: silentLogger(),
      holdLimitBytes: 1 << 20,
      delivery: {
        write: (conn, frame) => {
          offsets(conn).push(JSON.parse(payloadOf(frame)).offset as number);
          return true;
        },
        overflow: () => {},
        fetchAfter: async (_room, after, epoch) => {
          fetches.push(after);
          const messages = [...history.entries()]
            .filter(([o]) => o > after)
            .sort(([a], [b]) => a - b)
            .map(([, f]) => f);
          return { epoch, messages };
        },
      },
    });
  });
  afterEach(async () => {
    await edgeBus.close();
    await routerBus.close();
  });

  const deliver = (offset: number, epoch = 'e1') => {
    history.set(offset, frameFor(offset, epoch));
    routerBus.publish(Subjects.room('r'), encodeText(frameFor(offset, epoch)), {
      headers: {
        [DeliveryHeaders.kind]: 'msg',
        [DeliveryHeaders.offset]: String(offset),
        [DeliveryHeaders.epoch]: epoch,
      },
    });
  };
  const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

  async function member(position = { offset: 0, epoch: 'e1' }) {
    const conn = fakeConn();
    await rooms.hold(conn, 'r');
    rooms.activate(conn, 'r', position);
    return conn;
  }

  it('re-sequences deliveries that crossed on the bus', async () => {
    const a = await member();
    for (const o of [1, 3, 2, 5, 4]) deliver(o);
    await settle();
    expect(offsets(a)).toEqual([1, 2, 3, 4, 5]);
    expect(fetches).toEqual([]);
  });

  it('fills a gap from history when a delivery never comes (router died after append)', async () => {
    const a = await member();
    deliver(1);
    history.set(2, frameFor(2)); // appended, never published
    deliver(3);
    await settle(10);
    expect(offsets(a)).toEqual([1]);
    await settle(200);
    expect(offsets(a)).toEqual([1, 2, 3]);
    expect(fetches).toEqual([1]);
  });

  it('skips a gap history no longer has, keeping order', async () => {
    const a = await member();
    deliver(1);
    deliver(4);
    history.delete(2);
    await settle(200);
    expect(offsets(a)).toEqual([1, 4]);
    deliver(5);
    await settle();
    expect(offsets(a)).toEqual([1, 4, 5]);
  });

  it('drops duplicates', async () => {
    const a = await member();
    deliver(1);
    deliver(1);
    deliver(2);
    await settle();
    expect(offsets(a)).toEqual([1, 2]);
  });

  it('holds frames that arrive before the first join reply, then delivers only those after its position', async () => {
    const conn = fakeConn();
    await rooms.hold(conn, 'r');
    deliver(7);
    deliver(9);
    deliver(8);
    await settle();
    expect(offsets(conn)).toEqual([]);
    rooms.activate(conn, 'r', { offset: 7, epoch: 'e1' });
    expect(offsets(conn)).toEqual([8, 9]);
  });

  it('gives a member joining a busy room only what follows its join position', async () => {
    const a = await member();
    deliver(1);
    const b = fakeConn();
    await rooms.hold(b, 'r');
    deliver(2);
    deliver(3);
    await settle();
    rooms.activate(b, 'r', { offset: 2, epoch: 'e1' });
    deliver(4);
    await settle();
    expect(offsets(a)).toEqual([1, 2, 3, 4]);
    expect(offsets(b)).toEqual([3, 4]);
  });

  it('follows a new epoch when the room history was lost', async () => {
    const a = await member();
    deliver(1);
    deliver(2);
    await settle();
    deliver(1, 'e2');
    deliver(2, 'e2');
    await settle();
    expect(offsets(a)).toEqual([1, 2, 1, 2]);
  });

  it('starts a new epoch at offset 1 even when its deliveries crossed', async () => {
    const a = await member();
    deliver(1);
    await settle();
    history.clear();
    history.set(1, frameFor(1, 'e2'));
    deliver(2, 'e2');
    deliver(1, 'e2');
    await settle();
    expect(offsets(a)).toEqual([1, 1, 2]);
  });

  it('reads the start of a new epoch from history when its first deliveries were lost', async () => {
    const a = await member();
    deliver(1);
    await settle();
    history.clear();
    history.set(1, frameFor(1, 'e2'));
    deliver(2, 'e2');
    await settle(250);
    expect(offsets(a)).toEqual([1, 1, 2]);
  });

  it('ignores deliveries from an epoch older than the one the room is on', async () => {
    const a = await member({ offset: 0, epoch: '100-old' });
    deliver(1, '100-old');
    await settle();
    deliver(1, '200-new');
    await settle();
    // A router that stalled across the loss publishes what it appended to the old stream.
    deliver(2, '100-old');
    deliver(3, '100-old');
    deliver(2, '200-new');
    await settle();
    expect(offsets(a)).toEqual([1, 1, 2]);
  });

  it('unsubscribes when the last member leaves', async () => {
    const a = await member();
    expect(rooms.size).toBe(1);
    rooms.remove(a, 'r');
    expect(rooms.size).toBe(0);
    deliver(1);
    await settle();
    expect(offsets(a)).toEqual([]);
  });
});

describe('LocalRooms catch-up', () => {
  it('reads what a room missed while the bus was down', async () => {
    const hub = new MemoryBusHub();
    const bus = hub.connect();
    const router = hub.connect();
    const history = new Map<number, string>();
    const got: number[] = [];
    let failures = 0;
    const rooms = new LocalRooms({
      bus,
      metrics: new EdgeMetrics(new Registry()),
      log: silentLogger(),
      holdLimitBytes: 1 << 20,
      delivery: {
        write: (_conn, frame) => {
          got.push(JSON.parse(payloadOf(frame)).offset as number);
          return true;
        },
        overflow: () => {},
        fetchAfter: async (_room, after, epoch) => {
          if (failures > 0) {
            failures--;
            throw new Error('no responders');
          }
          return { epoch, messages: [...history.entries()].filter(([o]) => o > after).map(([, f]) => f) };
        },
      },
    });
    const conn = {} as Connection;
    await rooms.hold(conn, 'r');
    rooms.activate(conn, 'r', { offset: 0, epoch: 'e1' });
    history.set(1, frameFor(1));
    router.publish(Subjects.room('r'), encodeText(frameFor(1)), {
      headers: {
        [DeliveryHeaders.kind]: 'msg',
        [DeliveryHeaders.offset]: '1',
        [DeliveryHeaders.epoch]: 'e1',
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // 2 and 3 were accepted while this edge's bus link was down: never delivered live.
    history.set(2, frameFor(2));
    history.set(3, frameFor(3));
    // The first history reads fail (no router reachable yet): the catch-up retries.
    failures = 2;
    rooms.catchUp();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(got).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(got).toEqual([1, 2, 3]);
    await bus.close();
    await router.close();
  });
});

describe('LocalRooms gap fill across an epoch change', () => {
  const deliveryTo = (router: Bus) => (offset: number, epoch: string) =>
    router.publish(Subjects.room('r'), encodeText(frameFor(offset, epoch)), {
      headers: {
        [DeliveryHeaders.kind]: 'msg',
        [DeliveryHeaders.offset]: String(offset),
        [DeliveryHeaders.epoch]: epoch,
      },
    });
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('discards a fill that finishes after the room changed epoch, and fills the new epoch', async () => {
    const hub = new MemoryBusHub();
    const bus = hub.connect();
    const router = hub.connect();
    const deliver = deliveryTo(router);
    const got: Array<[string, number]> = [];
    const fetched: Array<[string, number]> = [];
    let releaseOldFill: (() => void) | undefined;
    const rooms = new LocalRooms({
      bus,
      metrics: new EdgeMetrics(new Registry()),
      log: silentLogger(),
      holdLimitBytes: 1 << 20,
      delivery: {
        write: (_conn, frame) => {
          const m = JSON.parse(payloadOf(frame)) as { offset: number; epoch: string };
          got.push([m.epoch, m.offset]);
          return true;
        },
        overflow: () => {},
        fetchAfter: async (_room, after, epoch) => {
          fetched.push([epoch, after]);
          if (epoch === '100-old') {
            // The old stream was wiped while this read was on its way: it comes back late, empty.
            await new Promise<void>((resolve) => {
              releaseOldFill = resolve;
            });
            return { epoch: '200-new', messages: [] };
          }
          const messages: string[] = [];
          for (let o = after + 1; o <= 20; o++) messages.push(frameFor(o, '200-new'));
          return { epoch: '200-new', messages };
        },
      },
    });
    const conn = {} as Connection;
    await rooms.hold(conn, 'r');
    rooms.activate(conn, 'r', { offset: 0, epoch: '100-old' });
    deliver(1, '100-old');
    deliver(3, '100-old'); // 2 is missing: a fill of the old epoch starts after the gap wait
    await settle(150);
    expect(fetched).toEqual([['100-old', 1]]);
    // The new epoch's first deliveries were lost; its 20th arrives while the old fill hangs.
    deliver(20, '200-new');
    await settle(150);
    releaseOldFill?.();
    await settle(50);
    // Nothing of the new epoch was skipped: offsets 1..19 came from its own history read.
    const fresh = got.filter(([epoch]) => epoch === '200-new').map(([, offset]) => offset);
    expect(fresh).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(fetched).toContainEqual(['200-new', 0]);
    await bus.close();
    await router.close();
  });

  it('drops the retry of a failed fill when the room changes epoch', async () => {
    const hub = new MemoryBusHub();
    const bus = hub.connect();
    const router = hub.connect();
    const deliver = deliveryTo(router);
    const got: Array<[string, number]> = [];
    const fetched: Array<[string, number]> = [];
    const rooms = new LocalRooms({
      bus,
      metrics: new EdgeMetrics(new Registry()),
      log: silentLogger(),
      holdLimitBytes: 1 << 20,
      delivery: {
        write: (_conn, frame) => {
          const m = JSON.parse(payloadOf(frame)) as { offset: number; epoch: string };
          got.push([m.epoch, m.offset]);
          return true;
        },
        overflow: () => {},
        fetchAfter: async (_room, after, epoch) => {
          fetched.push([epoch, after]);
          throw new Error('no responders');
        },
      },
    });
    const conn = {} as Connection;
    await rooms.hold(conn, 'r');
    rooms.activate(conn, 'r', { offset: 0, epoch: '100-old' });
    deliver(1, '100-old');
    deliver(3, '100-old');
    await settle(150); // the fill fails; its retry is due 250 ms later
    expect(fetched).toEqual([['100-old', 1]]);
    deliver(1, '200-new');
    deliver(2, '200-new');
    await settle(600);
    // The old stream's retry never ran, and nothing of the new stream was skipped.
    expect(fetched).toEqual([['100-old', 1]]);
    expect(got).toEqual([
      ['100-old', 1],
      ['200-new', 1],
      ['200-new', 2],
    ]);
    await bus.close();
    await router.close();
  });
});

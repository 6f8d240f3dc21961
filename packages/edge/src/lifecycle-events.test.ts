import type { Duplex } from 'node:stream';
import { type Bus, decodeJson, type LifecycleKind } from '@switchboard/bus';
import { silentLogger } from '@switchboard/telemetry';
import { describe, expect, it } from 'vitest';
import { Connection, type EdgeSocket } from './connection.js';
import { LifecycleEvents } from './lifecycle-events.js';

function publishedWith(enabled: readonly LifecycleKind[]) {
  const published: Array<{ subject: string; record: Record<string, unknown> }> = [];
  const bus = {
    publish: (subject: string, data: Uint8Array) =>
      published.push({ subject, record: decodeJson(data) as Record<string, unknown> }),
  } as unknown as Bus;
  const events = new LifecycleEvents({ bus, log: silentLogger(), nodeId: 'edge-1', enabled });
  const conn = new Connection(
    'c1',
    {} as EdgeSocket,
    {} as Duplex,
    { frame: () => {}, closed: () => {} },
    10,
  );
  events.publish('connect', conn); // not authenticated yet: nothing
  conn.open({ user: 'ada', grants: { join: ['*'], publish: [] } });
  events.publish('connect', conn);
  events.publish('join', conn, { room: 'r' });
  events.publish('leave', conn, { room: 'r', reason: 'leave' });
  events.publish('disconnect', conn, { reason: 'client_closed', code: 1000 });
  return published;
}

describe('LifecycleEvents', () => {
  it('publishes only the enabled kinds, for authenticated connections', () => {
    expect(publishedWith(['connect', 'disconnect', 'join', 'leave']).map((p) => p.subject)).toEqual([
      'sb.events.connect',
      'sb.events.join',
      'sb.events.leave',
      'sb.events.disconnect',
    ]);
    const some = publishedWith(['join', 'disconnect']);
    expect(some.map((p) => p.subject)).toEqual(['sb.events.join', 'sb.events.disconnect']);
    expect(some[0]!.record).toMatchObject({
      type: 'join',
      node: 'edge-1',
      conn: 'c1',
      user: 'ada',
      room: 'r',
    });
    expect(publishedWith([])).toEqual([]);
    expect(publishedWith(['publish'])).toEqual([]);
  });
});

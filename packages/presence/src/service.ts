import {
  type Bus,
  DeliveryHeaders,
  encodeText,
  RemoteError,
  type RpcBody,
  type RpcMetrics,
  Subjects,
  type Subscription,
  serve,
} from '@switchboard/bus';
import { anyPatternMatches, ErrorCode, type PresenceMember } from '@switchboard/protocol';
import type { PresenceCount, PresenceEntry, PresenceRoomsPage, PresenceStore } from '@switchboard/stores';
import type { Logger } from '@switchboard/telemetry';
import { PushBatcher, type PushKind } from './push-batcher.js';
import { PresenceRpc } from './rpc.js';

export interface PresenceOptions {
  /** Room patterns that track presence. */
  rooms: readonly string[];
  /** Room patterns whose members get join/leave pushes. */
  diffRooms: readonly string[];
  /** No pushes for rooms with more members: n members joining cost n² frames. */
  diffMaxMembers: number;
  /** How often expired entries (members of dead edges) are swept and announced as leaves. */
  sweepIntervalMs: number;
}

/** What the presence service reports to metrics (the process supplies it; absent in unit tests). */
export interface PresenceMetrics extends RpcMetrics {
  /** Entries that appeared (`added`) or went away (`left`: a leave; `expired`: removed by a sweep). */
  entries(change: 'added' | 'left' | 'expired', count: number): void;
  sweep(result: 'ok' | 'failed'): void;
}

/**
 * The presence service: keeps who is in each room (one entry per connection, public meta
 * only) and pushes join/leave diffs to the room as ready-to-send client frames.
 */
export function startPresenceService(deps: {
  bus: Bus;
  store: PresenceStore;
  options: PresenceOptions;
  log: Logger;
  metrics?: PresenceMetrics;
}): { stop(): void } {
  const { bus, store, options, log, metrics } = deps;
  /** A store write that added an entry (a refresh of a live one adds nothing). */
  const added = (isNew: boolean): boolean => {
    if (isNew) metrics?.entries('added', 1);
    return isNew;
  };
  const tracked = (r: string) => anyPatternMatches(options.rooms, r);

  // One frame per room per window and kind run, and one member count per room for it (which
  // also sets the room's next window: bigger rooms push less often).
  const pushes = new PushBatcher(async (r, segments) => {
    const size = await store.connections(r);
    if (size > options.diffMaxMembers) return undefined;
    for (const { kind, members } of segments) {
      const frame = JSON.stringify({ t: 'presence', room: r, [kind]: members });
      bus.publish(Subjects.room(r), encodeText(frame), { headers: { [DeliveryHeaders.kind]: 'presence' } });
    }
    return size;
  });

  async function announce(r: string, kind: PushKind, members: PresenceMember[]): Promise<void> {
    // 0 members at most: no room ever gets pushes, so none is counted either.
    if (members.length === 0 || options.diffMaxMembers <= 0 || !anyPatternMatches(options.diffRooms, r))
      return;
    await pushes.add(r, kind, members);
  }

  async function join(req: RpcBody<typeof PresenceRpc.join>): Promise<{ tracked: boolean }> {
    if (!tracked(req.room)) return { tracked: false };
    const member = toMember(req);
    // Answered once stored, without waiting for the push: in a storm the push waits for a wider
    // window, and holding every join for it would slow the storm down (and cost more).
    if (added(await store.add(req.room, member))) {
      announce(req.room, 'joins', [member]).catch((error: unknown) => {
        log.warn({ err: error, room: req.room }, 'presence join push failed');
      });
    }
    return { tracked: true };
  }

  async function leave(req: RpcBody<typeof PresenceRpc.leave>): Promise<Record<string, never>> {
    const removed = await store.remove(req.room, req.conn);
    if (removed) metrics?.entries('left', 1);
    if (removed) await announce(req.room, 'leaves', [toMember(removed)]);
    return {};
  }

  async function refresh(req: RpcBody<typeof PresenceRpc.refresh>): Promise<Record<string, never>> {
    // Independent entries: written together (one pipelined burst to Redis, not 500 round trips).
    await Promise.all(
      req.entries.map(async (e) => {
        if (!tracked(e.room)) return;
        // A refresh can re-add an entry that was swept (an edge that was stalled): announce it again.
        const member = toMember(e);
        if (added(await store.add(e.room, member))) await announce(e.room, 'joins', [member]);
      }),
    );
    return {};
  }

  async function list(req: RpcBody<typeof PresenceRpc.list>): Promise<{ members: PresenceMember[] }> {
    if (!tracked(req.room))
      throw new RemoteError(ErrorCode.BadRequest, `presence is off for room "${req.room}"`);
    return { members: (await store.list(req.room)).map(toMember) };
  }

  /** Trusted callers only (the API service): counts need no grants, like `sb.api.*`. */
  async function count(
    req: RpcBody<typeof PresenceRpc.count>,
  ): Promise<PresenceCount & { tracked: boolean }> {
    if (!tracked(req.room)) return { connections: 0, users: 0, tracked: false };
    return { ...(await store.count(req.room)), tracked: true };
  }

  /** Trusted callers only (the API service): every room with members, a page at a time. */
  async function rooms(req: RpcBody<typeof PresenceRpc.rooms>): Promise<PresenceRoomsPage> {
    return store.rooms({ limit: req.limit, ...(req.cursor ? { cursor: req.cursor } : {}) });
  }

  async function sweep(): Promise<void> {
    const expired = await store.sweep();
    metrics?.sweep('ok');
    if (expired.length > 0) metrics?.entries('expired', expired.length);
    const byRoom = new Map<string, PresenceMember[]>();
    for (const { room: r, entry: e } of expired) {
      const members = byRoom.get(r) ?? [];
      members.push(toMember(e));
      byRoom.set(r, members);
    }
    for (const [r, members] of byRoom) await announce(r, 'leaves', members);
    if (expired.length > 0) log.info({ count: expired.length }, 'expired presence entries removed');
  }

  const subs: Subscription[] = [
    serve(bus, PresenceRpc.join, join, log, metrics),
    serve(bus, PresenceRpc.leave, leave, log, metrics),
    serve(bus, PresenceRpc.refresh, refresh, log, metrics),
    serve(bus, PresenceRpc.list, list, log, metrics),
    serve(bus, PresenceRpc.count, count, log, metrics),
    serve(bus, PresenceRpc.rooms, rooms, log, metrics),
  ];
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => {
      metrics?.sweep('failed');
      log.warn({ err: error }, 'presence sweep failed');
    });
  }, options.sweepIntervalMs);
  timer.unref();
  log.info('presence service ready');
  return {
    stop: () => {
      clearInterval(timer);
      for (const s of subs) s.unsubscribe();
    },
  };
}

function toMember(e: {
  conn: string;
  user: string;
  meta?: Record<string, unknown> | undefined;
}): PresenceMember {
  return e.meta === undefined
    ? { user: e.user, conn: e.conn }
    : { user: e.user, conn: e.conn, meta: e.meta as PresenceMember['meta'] & object };
}

export type { PresenceEntry };

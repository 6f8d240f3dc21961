import { canJoin } from '@switchboard/auth';
import {
  type Bus,
  DeliveryHeaders,
  encodeText,
  parseRequest,
  QueueGroups,
  RemoteError,
  Subjects,
  type Subscription,
  serveRpc,
} from '@switchboard/bus';
import { anyPatternMatches, ErrorCode, type PresenceMember, ROOM_NAME_PATTERN } from '@switchboard/protocol';
import type { PresenceCount, PresenceEntry, PresenceRoomsPage, PresenceStore } from '@switchboard/stores';
import type { Logger } from '@switchboard/telemetry';
import * as v from 'valibot';

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

const room = v.pipe(v.string(), v.regex(ROOM_NAME_PATTERN));
const entry = v.object({
  conn: v.pipe(v.string(), v.minLength(1)),
  user: v.pipe(v.string(), v.minLength(1)),
  meta: v.optional(v.record(v.string(), v.unknown())),
});
const joinRequest = v.object({ room, ...entry.entries });
const leaveRequest = v.object({ room, conn: v.string() });
const refreshRequest = v.object({
  entries: v.pipe(v.array(v.object({ room, ...entry.entries })), v.maxLength(1000)),
});
const listRequest = v.object({
  room,
  user: v.string(),
  grants: v.object({ join: v.array(v.string()), publish: v.array(v.string()) }),
});

const countRequest = v.object({ room });
/** Room names are ASCII; a cursor is the last room of the previous page. */
const roomsRequest = v.object({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(128))),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100),
});

/**
 * The presence service: keeps who is in each room (one entry per connection, public meta
 * only) and pushes join/leave diffs to the room as ready-to-send client frames.
 */
export function startPresenceService(deps: {
  bus: Bus;
  store: PresenceStore;
  options: PresenceOptions;
  log: Logger;
}): { stop(): void } {
  const { bus, store, options, log } = deps;
  const tracked = (r: string) => anyPatternMatches(options.rooms, r);

  async function announce(r: string, kind: 'joins' | 'leaves', members: PresenceMember[]): Promise<void> {
    if (members.length === 0 || !anyPatternMatches(options.diffRooms, r)) return;
    const { connections } = await store.count(r);
    if (connections > options.diffMaxMembers) return;
    const frame = JSON.stringify({ t: 'presence', room: r, [kind]: members });
    bus.publish(Subjects.room(r), encodeText(frame), { headers: { [DeliveryHeaders.kind]: 'presence' } });
  }

  async function join(body: unknown): Promise<{ tracked: boolean }> {
    const req = parseRequest(joinRequest, body);
    if (!tracked(req.room)) return { tracked: false };
    const member = toMember(req);
    if (await store.add(req.room, member)) await announce(req.room, 'joins', [member]);
    return { tracked: true };
  }

  async function leave(body: unknown): Promise<Record<string, never>> {
    const req = parseRequest(leaveRequest, body);
    const removed = await store.remove(req.room, req.conn);
    if (removed) await announce(req.room, 'leaves', [toMember(removed)]);
    return {};
  }

  async function refresh(body: unknown): Promise<Record<string, never>> {
    const req = parseRequest(refreshRequest, body);
    // Independent entries: written together (one pipelined burst to Redis, not 500 round trips).
    await Promise.all(
      req.entries.map(async (e) => {
        if (!tracked(e.room)) return;
        // A refresh can re-add an entry that was swept (an edge that was stalled): announce it again.
        const member = toMember(e);
        if (await store.add(e.room, member)) await announce(e.room, 'joins', [member]);
      }),
    );
    return {};
  }

  async function list(body: unknown): Promise<{ members: PresenceMember[] }> {
    const req = parseRequest(listRequest, body);
    if (!canJoin(req, req.room))
      throw new RemoteError(ErrorCode.Forbidden, `not allowed to read room "${req.room}"`);
    if (!tracked(req.room))
      throw new RemoteError(ErrorCode.BadRequest, `presence is off for room "${req.room}"`);
    return { members: (await store.list(req.room)).map(toMember) };
  }

  /** Trusted callers only (the API service): counts need no grants, like `sb.api.*`. */
  async function count(body: unknown): Promise<PresenceCount & { tracked: boolean }> {
    const req = parseRequest(countRequest, body);
    if (!tracked(req.room)) return { connections: 0, users: 0, tracked: false };
    return { ...(await store.count(req.room)), tracked: true };
  }

  /** Trusted callers only (the API service): every room with members, a page at a time. */
  async function rooms(body: unknown): Promise<PresenceRoomsPage> {
    const req = parseRequest(roomsRequest, body);
    return store.rooms({ limit: req.limit, ...(req.cursor ? { cursor: req.cursor } : {}) });
  }

  async function sweep(): Promise<void> {
    const expired = await store.sweep();
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
    serveRpc(bus, Subjects.presenceJoin, QueueGroups.presence, join, log),
    serveRpc(bus, Subjects.presenceLeave, QueueGroups.presence, leave, log),
    serveRpc(bus, Subjects.presenceRefresh, QueueGroups.presence, refresh, log),
    serveRpc(bus, Subjects.presenceList, QueueGroups.presence, list, log),
    serveRpc(bus, Subjects.presenceCount, QueueGroups.presence, count, log),
    serveRpc(bus, Subjects.presenceRooms, QueueGroups.presence, rooms, log),
  ];
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => log.warn({ err: error }, 'presence sweep failed'));
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

import { jsonObjectSchema } from '@switchboard/auth/rpc';
import { QueueGroups, rpcDescriptor, Subjects } from '@switchboard/bus';
import { roomNameSchema as room } from '@switchboard/protocol';
import * as v from 'valibot';

/**
 * The presence service's bus subjects, declared once: the edge and the server API call them
 * with these descriptors, the presence service serves them with the same ones. A subpath of its
 * own (`@switchboard/presence/rpc`) so callers do not load the service.
 */

const entry = {
  conn: v.pipe(v.string(), v.minLength(1)),
  user: v.pipe(v.string(), v.minLength(1)),
  meta: v.optional(jsonObjectSchema),
};
const member = v.object({ user: v.string(), conn: v.string(), meta: v.optional(jsonObjectSchema) });
const counts = { connections: v.number(), users: v.number() };
const done = v.object({});

export const PresenceRpc = {
  /** Adds a connection to a room's members; `tracked: false` when presence is off for the room. */
  join: rpcDescriptor({
    subject: Subjects.presenceJoin,
    queue: QueueGroups.presence,
    request: v.object({ room, ...entry }),
    reply: v.object({ tracked: v.boolean() }),
    // Coalesced: every connect of a storm joins; entries are independent.
    batch: true,
  }),
  leave: rpcDescriptor({
    subject: Subjects.presenceLeave,
    queue: QueueGroups.presence,
    request: v.object({ room, conn: v.string() }),
    reply: done,
    batch: true,
  }),
  /** Re-adds live entries so they outlive the store's TTL; the edge calls it every TTL/3. */
  refresh: rpcDescriptor({
    subject: Subjects.presenceRefresh,
    queue: QueueGroups.presence,
    request: v.object({ entries: v.pipe(v.array(v.object({ room, ...entry })), v.maxLength(1000)) }),
    reply: done,
  }),
  /** A room's members (the edge has checked the requester may join the room; the API is trusted). */
  list: rpcDescriptor({
    subject: Subjects.presenceList,
    queue: QueueGroups.presence,
    request: v.object({ room }),
    reply: v.object({ members: v.array(member) }),
  }),
  /** Trusted callers only (the API service): connections and distinct users in a room. */
  count: rpcDescriptor({
    subject: Subjects.presenceCount,
    queue: QueueGroups.presence,
    request: v.object({ room }),
    reply: v.object({ ...counts, tracked: v.boolean() }),
  }),
  /** Trusted callers only: rooms with at least one member, in name order, after `cursor`. */
  rooms: rpcDescriptor({
    subject: Subjects.presenceRooms,
    queue: QueueGroups.presence,
    /** Room names are ASCII; a cursor is the last room of the previous page. */
    request: v.object({
      cursor: v.optional(v.pipe(v.string(), v.maxLength(128))),
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100),
    }),
    reply: v.object({
      rooms: v.array(v.object({ room: v.string(), ...counts })),
      nextCursor: v.optional(v.string()),
    }),
  }),
};

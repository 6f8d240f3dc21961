import { QueueGroups, rpcDescriptor, Subjects } from '@switchboard/bus';
import { HISTORY_LIMIT_MAX } from '@switchboard/protocol';
import * as v from 'valibot';
import { apiPublishEnvelope, apiUserEnvelope, event, room } from './envelopes.js';

/**
 * The router's bus subjects, declared once: the edge and the server API call them with these
 * descriptors, the router serves them with the same ones. A subpath of its own
 * (`@switchboard/router/rpc`) so callers do not load the router.
 */

/**
 * Who publishes: the user the edge verified (shown as the sender, and rate limited). The edge
 * has already checked the grants; the router trusts it because only edges may call these
 * subjects (nats-server permissions, docs/subjects.md).
 */
const publisher = { user: v.pipe(v.string(), v.minLength(1)) };
const position = v.object({ offset: v.pipe(v.number(), v.integer(), v.minValue(0)), epoch: v.string() });
const positionReply = { offset: v.number(), epoch: v.string() };

const publishReply = v.object({ ...positionReply, duplicate: v.optional(v.boolean()) });

export const RouterRpc = {
  /** A client's publish (authorized by the edge), rate limited per user. */
  publish: rpcDescriptor({
    subject: Subjects.routerPublish,
    queue: QueueGroups.router,
    request: v.object({
      ...publisher,
      conn: v.string(),
      room,
      event,
      data: v.unknown(),
      key: v.optional(v.string()),
    }),
    reply: publishReply,
    // Coalesced: the edge sends a connection's publishes one at a time, so each batch holds at
    // most one of them and a connection's order is kept.
    batch: true,
  }),
  /** A client's join: the room's position, and the missed messages when `since` is given. */
  join: rpcDescriptor({
    subject: Subjects.routerJoin,
    queue: QueueGroups.router,
    request: v.object({ room, since: v.optional(position) }),
    /** `messages` are ready-to-send client frames (JSON text), oldest first. */
    reply: v.object({
      room: v.string(),
      ...positionReply,
      recovered: v.optional(v.boolean()),
      messages: v.optional(v.array(v.string())),
    }),
    // Coalesced (joins are reads); a reply too large for the batch reply is asked for again alone.
    batch: true,
  }),
  /** A page of the room's history, as ready-to-send client frames. */
  history: rpcDescriptor({
    subject: Subjects.routerHistory,
    queue: QueueGroups.router,
    request: v.object({
      room,
      since: v.optional(position),
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(HISTORY_LIMIT_MAX))),
      reverse: v.optional(v.boolean()),
    }),
    reply: v.object({ ...positionReply, messages: v.array(v.string()) }),
  }),
  /** Internal services publishing to a room (trusted: NATS permissions guard the subject). */
  apiPublish: rpcDescriptor({
    subject: Subjects.apiPublish,
    queue: QueueGroups.router,
    request: apiPublishEnvelope,
    reply: publishReply,
  }),
  /** Internal services notifying every connection of a user. */
  apiUser: rpcDescriptor({
    subject: Subjects.apiUser,
    queue: QueueGroups.router,
    request: apiUserEnvelope,
    reply: v.object({}),
  }),
};

import { HISTORY_LIMIT_MAX, type JsonObject, type JsonValue } from '@switchboard/protocol';
import {
  apiPublishEnvelope,
  apiUserEnvelope,
  data,
  event,
  key,
  room,
  user,
} from '@switchboard/router/envelopes';
import * as v from 'valibot';

export { event, room };

/**
 * The server API's request shapes, validated once with these schemas by every entry: the gRPC
 * server (after decoding the proto message) and `@switchboard/server-sdk` (before anything is
 * sent, over NATS or gRPC). The limits are those the router and the edges enforce (room names,
 * 64-character events, 128-character keys and senders), so a request that passes here is not
 * refused downstream for its shape.
 */

/** Largest `data` (as JSON text) the API accepts: one client frame's worth (SB_MAX_FRAME_BYTES default). */
export const MAX_DATA_BYTES = 65_536;
/** Rooms in one Broadcast. */
export const MAX_BROADCAST_ROOMS = 1_000;
/** Page size bounds of Rooms. */
export const ROOMS_LIMIT_DEFAULT = 100;
export const ROOMS_LIMIT_MAX = 1_000;

export const publishSchema = apiPublishEnvelope;

export const broadcastSchema = v.object({
  rooms: v.pipe(
    v.array(room),
    v.minLength(1, 'must name at least one room'),
    v.maxLength(MAX_BROADCAST_ROOMS, `must name at most ${MAX_BROADCAST_ROOMS} rooms`),
    v.check((rooms) => new Set(rooms).size === rooms.length, 'must not repeat a room'),
  ),
  event,
  data,
  key: v.optional(key),
  from: v.optional(user),
});

export const publishToUserSchema = apiUserEnvelope;

export const roomOnlySchema = v.object({ room });

export const historySchema = v.object({
  room,
  since: v.optional(
    v.object({
      offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
      epoch: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(64)),
    }),
  ),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(HISTORY_LIMIT_MAX))),
  reverse: v.optional(v.boolean()),
});

export const disconnectSchema = v.pipe(
  v.object({
    user: v.optional(user),
    conn: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
    code: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(4000, 'must be 4000–4999'),
        v.maxValue(4999, 'must be 4000–4999'),
      ),
    ),
    reason: v.optional(v.pipe(v.string(), v.maxLength(120, 'is longer than 120 characters'))),
  }),
  v.check((req) => req.user !== undefined || req.conn !== undefined, 'needs a user or a conn'),
);

export const subscribeSchema = v.object({ user, room });

const epochMs = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** RevokeToken: `until` is when the revocation may be forgotten (the token's own expiry, ms). */
export const revokeTokenSchema = v.object({
  jti: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(256, 'is too long')),
  until: v.optional(epochMs),
});

/** RevokeUser: tokens of `user` issued before `issuedBefore` (ms; default now) are revoked. */
export const revokeUserSchema = v.object({ user, issuedBefore: v.optional(epochMs) });

export const roomsSchema = v.object({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(128))),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(ROOMS_LIMIT_MAX))),
});

export type PublishInput = {
  room: string;
  event: string;
  data?: JsonValue;
  /** Idempotency key. */
  key?: string;
  /** Shown to members as the sender (default `@server`). */
  from?: string;
};
export type BroadcastInput = Omit<PublishInput, 'room'> & { rooms: string[] };
export type PublishToUserInput = { user: string; event: string; data?: JsonValue };
export type HistoryInput = v.InferInput<typeof historySchema>;
export type DisconnectInput = v.InferInput<typeof disconnectSchema>;
export type SubscribeInput = v.InferInput<typeof subscribeSchema>;
export type RoomsInput = v.InferInput<typeof roomsSchema>;
export type RevokeTokenInput = v.InferInput<typeof revokeTokenSchema>;
export type RevokeUserInput = v.InferInput<typeof revokeUserSchema>;
export interface RevokeTokenResult {
  /** The revocation is remembered until then (ms since epoch). */
  until: number;
}
export interface RevokeUserResult {
  /** Tokens issued before this time (ms since epoch) are revoked. */
  issuedBefore: number;
}

export interface PublishResult {
  offset: number;
  epoch: string;
  duplicate: boolean;
}
export type BroadcastRoomResult =
  | ({ room: string; ok: true } & PublishResult)
  | { room: string; ok: false; code: number; message: string };
export interface Member {
  user: string;
  conn: string;
  meta?: JsonObject;
}
export interface PresenceStats {
  connections: number;
  users: number;
}
export interface HistoryMessage {
  offset: number;
  event: string;
  data: JsonValue;
  from: { user: string; conn: string };
  ts: number;
}
export interface HistoryResult {
  offset: number;
  epoch: string;
  messages: HistoryMessage[];
}
export interface RoomInfo {
  room: string;
  connections: number;
  users: number;
}
export interface RoomsPage {
  rooms: RoomInfo[];
  nextCursor?: string;
}
export interface NodeInfo {
  node: string;
  kind: string;
  version: string;
  startedAt: number;
  lastSeen: number;
  connections: number;
  rooms: number;
}
export interface InfoResult {
  nodes: NodeInfo[];
  connections: number;
  answeredBy: string;
}

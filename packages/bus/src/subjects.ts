/**
 * Every bus subject the services use, in one place (documented in docs/subjects.md).
 * Requests go to queue groups, so any number of instances share the load.
 */
export const Subjects = {
  authVerify: 'sb.auth.verify',
  /** Revoke one token by `jti` (the auth service stores it and tells every edge). */
  authRevokeToken: 'sb.auth.revoke.token',
  /** Revoke every token of a user issued before a time. */
  authRevokeUser: 'sb.auth.revoke.user',
  routerPublish: 'sb.router.publish',
  routerJoin: 'sb.router.join',
  routerHistory: 'sb.router.history',
  presenceJoin: 'sb.presence.join',
  presenceLeave: 'sb.presence.leave',
  presenceRefresh: 'sb.presence.refresh',
  presenceList: 'sb.presence.list',
  /** Connections and distinct users in a room (the API's PresenceStats). */
  presenceCount: 'sb.presence.count',
  /** Rooms with at least one member and their counts, a page at a time (the API's Rooms). */
  presenceRooms: 'sb.presence.rooms',
  /** Room deliveries: messages and presence diffs, as ready-to-send client frames. */
  room: (room: string): string => `sb.room.${room}`,
  /**
   * Notifications to every connection of one user (edges listen while the user is connected to
   * them). Never control: routers publish here on behalf of any backend.
   */
  user: (user: string): string => `sb.user.${userToken(user)}`,
  /**
   * Control of one user's connections (join/leave rooms, disconnect). A subject family of its
   * own so nats-server can let only the API publish it (docs/subjects.md).
   */
  controlUser: (user: string): string => `sb.control.user.${userToken(user)}`,
  /** Internal services publish to a room here (request: the reply carries the offset or a coded error). */
  apiPublish: 'sb.api.publish',
  /** Internal services notify all connections of a user here. */
  apiUser: 'sb.api.user',
  /** Control messages every edge receives (e.g. disconnect one connection by id); API only. */
  controlAll: 'sb.control.all',
  /**
   * Revocations every edge receives (`{"action":"revoke",…}`); auth only. Apart from
   * `controlAll` so that the auth identity can close connections holding a revoked token and
   * nothing else.
   */
  controlRevoke: 'sb.control.revoke',
  /** Node heartbeats: `sb.nodes.<kind>` carries a node's id, version and load every few seconds. */
  nodes: (kind: string): string => `sb.nodes.${kind}`,
  /** Lifecycle events for backends: connect, disconnect, join, leave, publish. */
  event: (kind: LifecycleKind): string => `sb.events.${kind}`,
} as const;

/**
 * Control messages to edges, on `Subjects.controlUser(user)` or `controlAll` (header kind `control`).
 * `conn` narrows a disconnect to one connection.
 */
export type ControlMessage =
  | { action: 'disconnect'; code: number; reason: string; conn?: string }
  | { action: 'subscribe'; room: string }
  | { action: 'unsubscribe'; room: string }
  /**
   * A token was revoked (on `controlRevoke`, published by auth only): connections holding it close with 4501. By `jti`,
   * or by `user` for tokens issued before `issuedBeforeMs` (and tokens without `iat`).
   */
  | { action: 'revoke'; jti: string }
  | { action: 'revoke'; user: string; issuedBeforeMs: number };

/** What `sb.nodes.*` heartbeats carry. */
export interface NodeHeartbeat {
  node: string;
  kind: string;
  version: string;
  startedAt: number;
  ts: number;
  /** Open connections (edges). */
  connections?: number;
  /** Rooms with local members (edges). */
  rooms?: number;
}

/** The kinds of `sb.events.*` (edges publish the first four, routers `publish`). */
export const LIFECYCLE_KINDS = ['connect', 'disconnect', 'join', 'leave', 'publish'] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];

/** A user id as one subject token: base64url of its UTF-8, so any id is safe in a subject. */
export function userToken(user: string): string {
  return Buffer.from(user, 'utf8').toString('base64url');
}

export const QueueGroups = {
  auth: 'sb-auth',
  /** The router's: it serves the router subjects and the internal API subjects (`apiPublish`, `apiUser`). */
  router: 'sb-router',
  presence: 'sb-presence',
} as const;

/** Headers on room deliveries. */
export const DeliveryHeaders = {
  /** `msg` or `presence`. */
  kind: 'sb-kind',
  /** Offset of a `msg` delivery. */
  offset: 'sb-offset',
  /** Epoch of the room's stream for a `msg` delivery. */
  epoch: 'sb-epoch',
  /** Server time (ms) the message was accepted, for the publish→deliver latency histogram. */
  ts: 'sb-ts',
} as const;

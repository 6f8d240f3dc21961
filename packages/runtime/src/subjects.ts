/**
 * Every bus subject the services use, in one place (documented in docs/subjects.md).
 * Requests go to queue groups, so any number of instances share the load.
 */
export const Subjects = {
  authVerify: 'sb.auth.verify',
  routerPublish: 'sb.router.publish',
  routerJoin: 'sb.router.join',
  routerHistory: 'sb.router.history',
  presenceJoin: 'sb.presence.join',
  presenceLeave: 'sb.presence.leave',
  presenceRefresh: 'sb.presence.refresh',
  presenceList: 'sb.presence.list',
  /** Room deliveries: messages and presence diffs, as ready-to-send client frames. */
  room: (room: string): string => `sb.room.${room}`,
} as const;

export const QueueGroups = {
  auth: 'sb-auth',
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

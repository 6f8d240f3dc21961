import { MAX_JSON_DEPTH, roomNameSchema, valueDepthExceeds } from '@switchboard/protocol';
import * as v from 'valibot';

/**
 * The bus API's envelopes (`sb.api.publish`, `sb.api.user`), defined once: the router
 * validates what arrives on the bus with them, and the server API and server SDK validate with
 * the same schemas before sending, so a request that passes there is not refused here.
 * A subpath of its own (`@switchboard/router/envelopes`) so clients do not load the router.
 */
export const room = roomNameSchema;
export const event = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(64, 'is longer than 64 characters'),
);
export const user = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(128, 'is too long'));
export const key = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(128, 'is too long'));
/** Any JSON value, nested at most `MAX_JSON_DEPTH` levels (checked without recursion). */
export const data = v.optional(
  v.pipe(
    v.unknown(),
    v.check((value) => !valueDepthExceeds(value), `nests deeper than ${MAX_JSON_DEPTH} levels`),
  ),
  null,
);

/** `sb.api.publish`: publish to a room; `from` is shown as the sender (default `@server`). */
export const apiPublishEnvelope = v.object({
  room,
  event,
  data,
  key: v.optional(key),
  from: v.optional(user),
});
/** `sb.api.user`: notify every connection of a user. */
export const apiUserEnvelope = v.object({ user, event, data });

import { QueueGroups, rpcDescriptor, Subjects } from '@switchboard/bus';
import type { JsonObject } from '@switchboard/protocol';
import * as v from 'valibot';

/**
 * The auth service's bus subject and the identity schemas other services reuse, declared once.
 * A subpath of its own (`@switchboard/auth/rpc`) so callers do not load the verifier.
 */

/** Room patterns: readonly for callers, so an identity's grants pass as they are. */
const patterns = v.array(v.string()) as v.GenericSchema<readonly string[]>;
export const grantsSchema = v.object({ join: patterns, publish: patterns });

/** A JSON object (token metadata), checked for shape only: its content is the token's. */
export const jsonObjectSchema = v.custom<JsonObject>(
  (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
  'must be an object',
);

/** Who a connection is, as the auth service answers it (see `Identity`). */
export const identitySchema = v.object({
  user: v.string(),
  grants: grantsSchema,
  /** Public metadata (token claim `sb.meta`), shown to room members in presence. */
  meta: v.optional(jsonObjectSchema),
  /** Token expiry, ms since epoch. */
  expiresAt: v.optional(v.number()),
  issuedAt: v.optional(v.number()),
  jti: v.optional(v.string()),
});

const revokedUser = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(128, 'is too long'));
const timeMs = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

export const AuthRpc = {
  /** A token in, its identity out (or a token error code). */
  verify: rpcDescriptor({
    subject: Subjects.authVerify,
    queue: QueueGroups.auth,
    request: v.object({ token: v.pipe(v.string(), v.maxLength(8192)) }),
    reply: identitySchema,
    // A reconnect storm verifies hundreds of tokens a turn: coalesced (verifications are independent).
    batch: true,
  }),
  /**
   * Revokes one token by `jti`, remembered until `untilMs` (the token's own expiry; default: as
   * long as a user-wide revocation). Open connections holding it are closed with 4501.
   */
  revokeToken: rpcDescriptor({
    subject: Subjects.authRevokeToken,
    queue: QueueGroups.auth,
    request: v.object({
      jti: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(256, 'is too long')),
      untilMs: v.optional(timeMs),
    }),
    reply: v.object({ untilMs: v.number() }),
  }),
  /**
   * Revokes every token of `user` issued before `issuedBeforeMs` (default: now), and tokens
   * without `iat`. Open connections holding one are closed with 4501.
   */
  revokeUser: rpcDescriptor({
    subject: Subjects.authRevokeUser,
    queue: QueueGroups.auth,
    request: v.object({ user: revokedUser, issuedBeforeMs: v.optional(timeMs) }),
    reply: v.object({ issuedBeforeMs: v.number() }),
  }),
};

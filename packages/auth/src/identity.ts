import { anyPatternMatches } from '@switchboard/protocol';
import type * as v from 'valibot';
import type { grantsSchema, identitySchema } from './rpc.js';

/** Room patterns a token grants (see `roomPatternMatches`). */
export type Grants = v.InferOutput<typeof grantsSchema>;

/** Who a connection is, as established by its token. Travels between services as JSON. */
export type Identity = v.InferOutput<typeof identitySchema>;

/** Join also allows reading the room's presence and history. */
export function canJoin(identity: Pick<Identity, 'user' | 'grants'>, room: string): boolean {
  return anyPatternMatches(identity.grants.join, room, identity.user);
}

export function canPublish(identity: Pick<Identity, 'user' | 'grants'>, room: string): boolean {
  return anyPatternMatches(identity.grants.publish, room, identity.user);
}

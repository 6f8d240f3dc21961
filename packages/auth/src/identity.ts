import type { JsonObject } from '@switchboard/protocol';
import { anyPatternMatches } from '@switchboard/protocol';

/** Room patterns a token grants (see `roomPatternMatches`). */
export interface Grants {
  join: readonly string[];
  publish: readonly string[];
}

/** Who a connection is, as established by its token. Travels between services as JSON. */
export interface Identity {
  user: string;
  grants: Grants;
  /** Public metadata (token claim `sb.meta`), shown to room members in presence. */
  meta?: JsonObject;
  /** Token expiry, ms since epoch. */
  expiresAt?: number;
  issuedAt?: number;
  jti?: string;
}

/** Join also allows reading the room's presence and history. */
export function canJoin(identity: Pick<Identity, 'user' | 'grants'>, room: string): boolean {
  return anyPatternMatches(identity.grants.join, room, identity.user);
}

export function canPublish(identity: Pick<Identity, 'user' | 'grants'>, room: string): boolean {
  return anyPatternMatches(identity.grants.publish, room, identity.user);
}

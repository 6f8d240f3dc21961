import { canJoin, canPublish, type Identity } from '@switchboard/auth';
import { RemoteError } from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';

/**
 * The edge holds the verified identity, so it decides what a connection may do; the router and
 * presence get only what they need (the room, and the user where it shows) and trust the edge,
 * whose bus identity nats-server checks (docs/subjects.md). Joining a room also allows reading
 * its history and presence.
 */
export function authorize(identity: Identity, action: 'join' | 'publish' | 'read', room: string): void {
  const allowed = action === 'publish' ? canPublish(identity, room) : canJoin(identity, room);
  if (!allowed) throw new RemoteError(ErrorCode.Forbidden, `not allowed to ${action} room "${room}"`);
}

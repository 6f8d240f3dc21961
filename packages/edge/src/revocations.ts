import type { Identity } from '@switchboard/auth';
import type { ControlMessage } from '@switchboard/bus';

export type RevokeMessage = Extract<ControlMessage, { action: 'revoke' }>;

/** How long an announced revocation is also checked against connections opening afterwards. */
const RECENT_MS = 10_000;
/** Bound on remembered announcements (revocations are rare; a burst only shortens the window). */
const MAX_RECENT = 1_000;

/** Whether a revocation announcement covers the token behind `identity` (as the stores judge it). */
export function revokes(message: RevokeMessage, identity: Identity): boolean {
  if ('jti' in message) return identity.jti !== undefined && identity.jti === message.jti;
  return (
    identity.user === message.user &&
    (identity.issuedAt === undefined || identity.issuedAt < message.issuedBeforeMs)
  );
}

/**
 * Revocations announced to this edge, kept briefly: a token verified just before its revocation
 * was stored may open its connection just after the announcement; opening checks these too.
 */
export class RecentRevocations {
  readonly #entries: Array<{ message: RevokeMessage; at: number }> = [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  add(message: RevokeMessage): void {
    this.#prune();
    if (this.#entries.length >= MAX_RECENT) this.#entries.shift();
    this.#entries.push({ message, at: this.#now() });
  }

  covers(identity: Identity): boolean {
    this.#prune();
    return this.#entries.some((entry) => revokes(entry.message, identity));
  }

  #prune(): void {
    const oldest = this.#now() - RECENT_MS;
    while (this.#entries.length > 0 && this.#entries[0]!.at < oldest) this.#entries.shift();
  }
}

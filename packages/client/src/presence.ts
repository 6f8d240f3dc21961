import type { PresenceMember, PresencePush } from '@switchboard/protocol';

export const DEFAULT_MAX_BUFFERED_DIFFS = 1000;

/**
 * One room's member list, kept from a snapshot (`presence` reply) plus diffs (`presence`
 * pushes). Members are keyed by connection: one user with two tabs is two members.
 *
 * Diffs that arrive while a snapshot request is in flight are buffered and replayed on top
 * of the snapshot, because the server may have taken the snapshot before or after them;
 * replaying is safe either way (a join of a present member and a leave of an absent one are
 * no-ops).
 */
export class PresenceSet {
  readonly #members = new Map<string, PresenceMember>();
  #buffer: PresencePush[] | undefined;
  #overflowed = false;
  readonly #maxBuffered: number;
  /** True once a snapshot was applied: before that the list is unknown, not empty. */
  synced = false;

  constructor(maxBuffered = DEFAULT_MAX_BUFFERED_DIFFS) {
    this.#maxBuffered = maxBuffered;
  }

  get members(): PresenceMember[] {
    return [...this.#members.values()].map(copyMember);
  }

  /** A snapshot request was sent: buffer diffs until its reply. */
  beginSnapshot(): void {
    this.#buffer = [];
    this.#overflowed = false;
  }

  /**
   * The snapshot reply. Returns false when too many diffs arrived meanwhile to replay them
   * all; the caller should ask for a new snapshot.
   */
  applySnapshot(members: readonly PresenceMember[]): boolean {
    this.#members.clear();
    for (const member of members) this.#members.set(member.conn, copyMember(member));
    const buffered = this.#buffer ?? [];
    const overflowed = this.#overflowed;
    this.#buffer = undefined;
    this.#overflowed = false;
    for (const diff of buffered) this.#apply(diff);
    this.synced = true;
    return !overflowed;
  }

  /** The snapshot request failed; stop buffering. */
  abortSnapshot(): void {
    this.#buffer = undefined;
    this.#overflowed = false;
  }

  /** A `presence` push. Returns what changed, or undefined while a snapshot is pending. */
  applyDiff(diff: PresencePush): { joins: PresenceMember[]; leaves: PresenceMember[] } | undefined {
    if (this.#buffer) {
      if (this.#buffer.length < this.#maxBuffered) this.#buffer.push(diff);
      else this.#overflowed = true;
      return undefined;
    }
    return this.#apply(diff);
  }

  #apply(diff: PresencePush): { joins: PresenceMember[]; leaves: PresenceMember[] } {
    const joins: PresenceMember[] = [];
    const leaves: PresenceMember[] = [];
    for (const member of diff.leaves ?? []) {
      if (this.#members.delete(member.conn)) leaves.push(copyMember(member));
    }
    for (const member of diff.joins ?? []) {
      if (!this.#members.has(member.conn)) joins.push(copyMember(member));
      this.#members.set(member.conn, copyMember(member));
    }
    return { joins, leaves };
  }
}

function copyMember(member: PresenceMember): PresenceMember {
  return member.meta === undefined
    ? { user: member.user, conn: member.conn }
    : { user: member.user, conn: member.conn, meta: member.meta };
}

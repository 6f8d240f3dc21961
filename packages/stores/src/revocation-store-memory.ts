import type { RevocationStore, TokenRef } from './revocation-store.js';

export class MemoryRevocationStore implements RevocationStore {
  readonly #tokens = new Map<string, number>();
  readonly #users = new Map<string, { beforeMs: number; expiresAt: number }>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async revokeToken(jti: string, expiresAtMs: number): Promise<void> {
    this.#prune();
    this.#tokens.set(jti, expiresAtMs);
  }

  async revokeUser(user: string, beforeMs: number, ttlMs: number): Promise<void> {
    this.#prune();
    const previous = this.#users.get(user);
    this.#users.set(user, {
      beforeMs: Math.max(beforeMs, previous?.beforeMs ?? 0),
      expiresAt: Math.max(this.#now() + ttlMs, previous?.expiresAt ?? 0),
    });
  }

  async isRevoked(token: TokenRef): Promise<boolean> {
    const now = this.#now();
    if (token.jti !== undefined) {
      const until = this.#tokens.get(token.jti);
      if (until !== undefined && until > now) return true;
    }
    const user = this.#users.get(token.user);
    if (user && user.expiresAt > now) {
      return token.issuedAtMs === undefined || token.issuedAtMs < user.beforeMs;
    }
    return false;
  }

  async close(): Promise<void> {
    this.#tokens.clear();
    this.#users.clear();
  }

  /** Drops what can no longer matter, so the maps stay bounded by live tokens. */
  #prune(): void {
    const now = this.#now();
    for (const [jti, until] of this.#tokens) if (until <= now) this.#tokens.delete(jti);
    for (const [user, entry] of this.#users) if (entry.expiresAt <= now) this.#users.delete(user);
  }
}

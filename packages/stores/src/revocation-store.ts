/**
 * Revoked tokens. A revocation is remembered only as long as it can matter: a revoked
 * token until it would have expired anyway, a user-wide revocation for `ttlMs`.
 */
export interface TokenRef {
  user: string;
  jti?: string;
  /** `iat` in ms. */
  issuedAtMs?: number;
}

export interface RevocationStore {
  /** Revokes one token (by `jti`) until `expiresAtMs`. */
  revokeToken(jti: string, expiresAtMs: number): Promise<void>;
  /** Revokes every token of `user` issued before `beforeMs`; remembered for `ttlMs`. */
  revokeUser(user: string, beforeMs: number, ttlMs: number): Promise<void>;
  isRevoked(token: TokenRef): Promise<boolean>;
  close(): Promise<void>;
}

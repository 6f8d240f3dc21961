import type { RevocationStore, TokenRef } from '../revocation-store.js';
import { defineLuaCommands, type LuaCommand } from './lua-commands.js';
import { type RedisClient, RedisStoreBase, type RedisStoreOptions } from './redis-store.js';

/*
 * Layout: <prefix>:rv:t:<jti> "1" until the token's own expiry (PXAT);
 *         <prefix>:rv:u:<user> "<beforeMs>" for ttlMs.
 * Redis expiry does the forgetting, so nothing needs pruning.
 */

/** revokeUser keeps the later cut-off and the longer life, as the memory store does, in one step. */
const SCRIPTS = { revokeUser: { file: 'revocation-revoke-user', numberOfKeys: 1 } } as const;

export interface RedisRevocationOptions extends RedisStoreOptions {}

export class RedisRevocationStore extends RedisStoreBase implements RevocationStore {
  readonly #lua: Record<keyof typeof SCRIPTS, LuaCommand>;

  constructor(redis: RedisClient, options: RedisRevocationOptions = {}) {
    super(redis, 'revocation store', options);
    this.#lua = defineLuaCommands(redis, SCRIPTS);
  }

  async revokeToken(jti: string, expiresAtMs: number): Promise<void> {
    this.assertOpen();
    if (!Number.isFinite(expiresAtMs)) throw new RangeError('expiresAtMs must be a finite number');
    // PXAT: an absolute time, judged by Redis's clock; a time already past stores nothing.
    const at = Math.ceil(expiresAtMs);
    if (at < 1) return;
    await this.redis.set(this.#token(jti), '1', 'PXAT', at);
  }

  async revokeUser(user: string, beforeMs: number, ttlMs: number): Promise<void> {
    this.assertOpen();
    if (!Number.isFinite(beforeMs)) throw new RangeError('beforeMs must be a finite number');
    if (!Number.isFinite(ttlMs)) throw new RangeError('ttlMs must be a finite number');
    // A revocation remembered for no time at all cannot matter.
    const ttl = Math.ceil(ttlMs);
    if (ttl < 1) return;
    await this.#lua.revokeUser([this.#user(user)], [Math.ceil(beforeMs), ttl]);
  }

  async isRevoked(token: TokenRef): Promise<boolean> {
    this.assertOpen();
    // Two GETs, not MGET: the keys may live on different Cluster nodes. One client pipelines them anyway.
    const [byToken, byUser] = await Promise.all([
      token.jti === undefined ? Promise.resolve(null) : this.redis.get(this.#token(token.jti)),
      this.redis.get(this.#user(token.user)),
    ]);
    if (byToken !== null) return true;
    if (byUser === null) return false;
    const before = Number(byUser);
    // An unreadable cut-off errs on the safe side: revoked.
    if (!Number.isFinite(before)) return true;
    return token.issuedAtMs === undefined || token.issuedAtMs < before;
  }

  #token(jti: string): string {
    return `${this.prefix}:rv:t:${jti}`;
  }

  #user(user: string): string {
    return `${this.prefix}:rv:u:${user}`;
  }
}

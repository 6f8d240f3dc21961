import { describe, expect, it } from 'vitest';
import { closesAfterEach } from './contract-support.js';
import type { RevocationStore } from './revocation-store.js';

export function revocationStoreContract(name: string, create: () => Promise<RevocationStore>): void {
  describe(`RevocationStore contract: ${name}`, () => {
    const open = closesAfterEach(create);

    it('revokes one token by jti until it would expire', async () => {
      const store = await open();
      await store.revokeToken('t1', Date.now() + 300);
      expect(await store.isRevoked({ user: 'alice', jti: 't1' })).toBe(true);
      expect(await store.isRevoked({ user: 'alice', jti: 't2' })).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(await store.isRevoked({ user: 'alice', jti: 't1' })).toBe(false);
    });

    it('revokes every token of a user issued before a time', async () => {
      const store = await open();
      const cut = Date.now();
      await store.revokeUser('bob', cut, 60_000);
      expect(await store.isRevoked({ user: 'bob', issuedAtMs: cut - 1000 })).toBe(true);
      expect(await store.isRevoked({ user: 'bob' })).toBe(true);
      expect(await store.isRevoked({ user: 'bob', issuedAtMs: cut + 1000 })).toBe(false);
      expect(await store.isRevoked({ user: 'carol', issuedAtMs: cut - 1000 })).toBe(false);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { closesAfterEach } from './contract-support.js';
import type { RateLimitStore } from './rate-limit-store.js';

export function rateLimitStoreContract(name: string, create: () => Promise<RateLimitStore>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    const open = closesAfterEach(create);

    it('allows a burst, then refuses with a retry hint', async () => {
      const store = await open();
      const rule = { rate: 10, burst: 3 };
      for (let i = 0; i < 3; i++) expect((await store.consume('k1', rule)).allowed).toBe(true);
      const refused = await store.consume('k1', rule);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
    });

    it('refills at the configured rate', async () => {
      const store = await open();
      const rule = { rate: 20, burst: 1 };
      expect((await store.consume('k2', rule)).allowed).toBe(true);
      expect((await store.consume('k2', rule)).allowed).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await store.consume('k2', rule)).allowed).toBe(true);
    });

    it('keeps keys apart and counts cost', async () => {
      const store = await open();
      const rule = { rate: 1, burst: 5 };
      expect((await store.consume('k3', rule, 5)).allowed).toBe(true);
      expect((await store.consume('k3', rule)).allowed).toBe(false);
      expect((await store.consume('k4', rule)).allowed).toBe(true);
    });
  });
}

import { epochGeneration } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { closesAfterEach } from './contract-support.js';
import type { HistoryLimits, HistoryStore } from './history-store.js';

export const CONTRACT_HISTORY_LIMITS: HistoryLimits = {
  size: 5,
  ttlMs: 400,
  metaTtlMs: 60_000,
  idempotencyTtlMs: 400,
};

/**
 * The history store contract. `create` gets the limits to configure and must return a store
 * over an EMPTY backend; `wipe` (when given) destroys the backend's data as a crash or flush
 * would, to check that epochs change.
 */
export function historyStoreContract(
  name: string,
  create: (limits: HistoryLimits) => Promise<HistoryStore>,
  wipe?: () => Promise<void>,
): void {
  describe(`HistoryStore contract: ${name}`, () => {
    const opener = closesAfterEach(create);
    const open = (limits = CONTRACT_HISTORY_LIMITS) => opener(limits);

    it('starts a room at offset 0 with an epoch, then counts 1, 2, 3', async () => {
      const store = await open();
      const start = await store.read('room-a', { limit: 10 });
      expect(start.offset).toBe(0);
      expect(start.epoch).toMatch(/.+/);
      const offsets: number[] = [];
      for (const p of ['a', 'b', 'c']) {
        const r = await store.append('room-a', p);
        expect(r.epoch).toBe(start.epoch);
        expect(r.duplicate).toBe(false);
        offsets.push(r.offset);
      }
      expect(offsets).toEqual([1, 2, 3]);
      const read = await store.read('room-a', { limit: 10 });
      expect(read.offset).toBe(3);
      expect(read.entries).toEqual([
        { offset: 1, payload: 'a' },
        { offset: 2, payload: 'b' },
        { offset: 3, payload: 'c' },
      ]);
    });

    it('reads only the position with limit 0', async () => {
      const store = await open();
      await store.append('pos', 'a');
      const read = await store.read('pos', { limit: 0 });
      expect(read).toMatchObject({ offset: 1, entries: [] });
    });

    it('keeps rooms apart', async () => {
      const store = await open();
      await store.append('r1', 'x');
      await store.append('r1', 'y');
      expect((await store.append('r2', 'z')).offset).toBe(1);
      expect((await store.read('r2', { limit: 10 })).entries).toEqual([{ offset: 1, payload: 'z' }]);
    });

    it('assigns distinct consecutive offsets to concurrent appends', async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.append('busy', String(i))),
      );
      expect(results.map((r) => r.offset).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    it('reads after a position, limited, and newest-first', async () => {
      const store = await open();
      for (const p of ['1', '2', '3', '4']) await store.append('page', p);
      const after = await store.read('page', { since: 2, limit: 10 });
      expect(after.entries.map((e) => e.offset)).toEqual([3, 4]);
      const limited = await store.read('page', { since: 0, limit: 2 });
      expect(limited.entries.map((e) => e.offset)).toEqual([1, 2]);
      const newest = await store.read('page', { limit: 2, reverse: true });
      expect(newest.entries.map((e) => e.offset)).toEqual([4, 3]);
    });

    it('keeps only the newest `size` entries but keeps counting', async () => {
      const store = await open();
      for (let i = 1; i <= 8; i++) await store.append('small', String(i));
      const read = await store.read('small', { limit: 100 });
      expect(read.offset).toBe(8);
      expect(read.entries.map((e) => e.offset)).toEqual([4, 5, 6, 7, 8]);
    });

    it('drops entries after the TTL but keeps offset and epoch', async () => {
      const store = await open();
      const first = await store.append('ttl', 'old');
      await sleep(CONTRACT_HISTORY_LIMITS.ttlMs + 250);
      const read = await store.read('ttl', { limit: 10 });
      expect(read.entries).toEqual([]);
      expect(read.offset).toBe(1);
      expect(read.epoch).toBe(first.epoch);
      expect((await store.append('ttl', 'new')).offset).toBe(2);
    });

    it('stores no history when size is 0, but still assigns offsets', async () => {
      const store = await open({ ...CONTRACT_HISTORY_LIMITS, size: 0 });
      expect((await store.append('none', 'a')).offset).toBe(1);
      expect((await store.append('none', 'b')).offset).toBe(2);
      expect((await store.read('none', { limit: 10 })).entries).toEqual([]);
    });

    it('answers a repeated idempotency key with the original offset and stores nothing', async () => {
      const store = await open();
      const first = await store.append('idem', 'once', { idempotencyKey: 'k1' });
      const again = await store.append('idem', 'once', { idempotencyKey: 'k1' });
      expect(again).toEqual({ offset: first.offset, epoch: first.epoch, duplicate: true });
      const other = await store.append('idem', 'twice', { idempotencyKey: 'k2' });
      expect(other.offset).toBe(first.offset + 1);
      expect((await store.read('idem', { limit: 10 })).entries).toHaveLength(2);
      // Keys are per room.
      expect((await store.append('idem-other', 'x', { idempotencyKey: 'k1' })).duplicate).toBe(false);
    });

    it('forgets idempotency keys after their TTL', async () => {
      const store = await open();
      await store.append('idem-ttl', 'a', { idempotencyKey: 'k' });
      await sleep(CONTRACT_HISTORY_LIMITS.idempotencyTtlMs + 250);
      const again = await store.append('idem-ttl', 'a', { idempotencyKey: 'k' });
      expect(again).toMatchObject({ offset: 2, duplicate: false });
    });

    describe('with a rate limit', () => {
      it('appends while the bucket has tokens (a burst), then stores nothing and says when to retry', async () => {
        const store = await open();
        const rateLimit = { key: 'pub:u1', rate: 2, burst: 3 };
        for (const [i, p] of ['a', 'b', 'c'].entries())
          expect(await store.append('rl', p, { rateLimit })).toMatchObject({
            offset: i + 1,
            duplicate: false,
          });
        const limited = await store.append('rl', 'd', { rateLimit });
        expect(limited).toEqual({ limited: true, retryAfterMs: expect.any(Number) });
        if (!('limited' in limited)) throw new Error('not limited');
        expect(limited.retryAfterMs).toBeGreaterThan(0);
        expect(limited.retryAfterMs).toBeLessThanOrEqual(500);
        const read = await store.read('rl', { limit: 10 });
        expect(read.offset).toBe(3);
        expect(read.entries.map((e) => e.payload)).toEqual(['a', 'b', 'c']);
        // The refused append took no offset: the next one is 4, without a hole.
        expect((await store.append('rl', 'e')).offset).toBe(4);
      });

      it('takes from the bucket per key, whatever the room, and refills at the rate', async () => {
        const store = await open();
        const rule = { rate: 20, burst: 1 };
        expect(await store.append('rl-1', 'a', { rateLimit: { key: 'pub:u2', ...rule } })).toMatchObject({
          offset: 1,
        });
        // Another room, the same bucket: refused.
        expect(await store.append('rl-2', 'b', { rateLimit: { key: 'pub:u2', ...rule } })).toMatchObject({
          limited: true,
        });
        // Another bucket: allowed.
        expect(await store.append('rl-2', 'c', { rateLimit: { key: 'pub:u3', ...rule } })).toMatchObject({
          offset: 1,
        });
        await sleep(120);
        expect(await store.append('rl-2', 'd', { rateLimit: { key: 'pub:u2', ...rule } })).toMatchObject({
          offset: 2,
        });
      });

      it('is unlimited with rate 0', async () => {
        const store = await open();
        const rateLimit = { key: 'pub:u4', rate: 0, burst: 0 };
        for (let i = 1; i <= 20; i++)
          expect(await store.append('rl-free', String(i), { rateLimit })).toMatchObject({ offset: i });
      });

      it('takes a token for a duplicate too, and refuses before looking at the idempotency key', async () => {
        const store = await open();
        const rateLimit = { key: 'pub:u5', rate: 1, burst: 2 };
        const first = await store.append('rl-idem', 'once', { idempotencyKey: 'k', rateLimit });
        expect(first).toMatchObject({ offset: 1, duplicate: false });
        const again = await store.append('rl-idem', 'once', { idempotencyKey: 'k', rateLimit });
        expect(again).toEqual({ ...first, duplicate: true });
        // The duplicate took the second token: a third try is refused, duplicate or not.
        expect(await store.append('rl-idem', 'once', { idempotencyKey: 'k', rateLimit })).toMatchObject({
          limited: true,
        });
        expect(await store.read('rl-idem', { limit: 10 })).toMatchObject({
          offset: 1,
          entries: [{ offset: 1, payload: 'once' }],
        });
      });
    });

    it('changes the epoch when the backend loses the stream', async () => {
      if (!wipe) return;
      const store = await open();
      const before = await store.append('lost', 'a');
      await wipe();
      const after = await store.read('lost', { limit: 10 });
      expect(after.epoch).not.toBe(before.epoch);
      expect(after.offset).toBe(0);
    });

    it('orders epochs: the epoch after a loss has a greater generation', async () => {
      if (!wipe) return;
      const store = await open();
      const generations: number[] = [];
      for (let i = 0; i < 3; i++) {
        generations.push(epochGeneration((await store.append('ordered', 'a')).epoch));
        await wipe();
      }
      expect(generations[0]).toBeGreaterThan(0);
      expect(generations[1]).toBeGreaterThan(generations[0]!);
      expect(generations[2]).toBeGreaterThan(generations[1]!);
    });

    it('orders epochs made by a new store over a wiped backend (nothing remembered but the clock)', async () => {
      if (!wipe) return;
      const first = await (await open()).append('restarted', 'a');
      await wipe();
      await sleep(1); // a restart takes longer than one tick of the clock
      const second = await (await open()).append('restarted', 'a');
      expect(epochGeneration(second.epoch)).toBeGreaterThan(epochGeneration(first.epoch));
    });

    it('returns the epoch an append went to; a key from a lost epoch is not a duplicate', async () => {
      if (!wipe) return;
      const store = await open();
      const before = await store.append('fenced', 'a', { idempotencyKey: 'k' });
      await wipe();
      const after = await store.append('fenced', 'a', { idempotencyKey: 'k' });
      expect(after).toMatchObject({ offset: 1, duplicate: false });
      expect(epochGeneration(after.epoch)).toBeGreaterThan(epochGeneration(before.epoch));
      expect(await store.read('fenced', { limit: 0 })).toMatchObject({ offset: 1, epoch: after.epoch });
      expect(await store.append('fenced', 'a', { idempotencyKey: 'k' })).toEqual({
        ...after,
        duplicate: true,
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

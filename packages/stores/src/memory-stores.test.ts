import { describe, expect, it } from 'vitest';
import {
  CONTRACT_HISTORY_LIMITS,
  historyStoreContract,
  presenceStoreContract,
  rateLimitStoreContract,
  revocationStoreContract,
} from './contract.js';
import { MemoryHistoryStore } from './history-store-memory.js';
import { MemoryPresenceStore } from './presence-store-memory.js';
import { MemoryRateLimitStore } from './rate-limit-store-memory.js';
import { MemoryRevocationStore } from './revocation-store-memory.js';

historyStoreContract('memory', async (limits) => new MemoryHistoryStore({ ...limits, maxRooms: 1000 }));
presenceStoreContract('memory', async (ttlMs) => new MemoryPresenceStore({ ttlMs }));
rateLimitStoreContract('memory', async () => new MemoryRateLimitStore({ maxKeys: 1000 }));
revocationStoreContract('memory', async () => new MemoryRevocationStore());

describe('MemoryHistoryStore bounds', () => {
  it('drops the least recently used room past maxRooms, and its epoch changes', async () => {
    const store = new MemoryHistoryStore({ ...CONTRACT_HISTORY_LIMITS, maxRooms: 2 });
    const a = await store.append('a', 'x');
    await store.append('b', 'x');
    await store.append('c', 'x');
    const again = await store.read('a', { limit: 10 });
    expect(again.epoch).not.toBe(a.epoch);
    expect(again.offset).toBe(0);
  });

  it('drops a room whose meta TTL ran out', async () => {
    let now = 1_000;
    const store = new MemoryHistoryStore({
      ...CONTRACT_HISTORY_LIMITS,
      metaTtlMs: 100,
      maxRooms: 10,
      now: () => now,
    });
    const first = await store.append('a', 'x');
    now += 101;
    expect((await store.read('a', { limit: 1 })).epoch).not.toBe(first.epoch);
  });
});

describe('MemoryRateLimitStore bounds', () => {
  it('forgets the least recently used bucket past maxKeys', async () => {
    const store = new MemoryRateLimitStore({ maxKeys: 1, now: () => 0 });
    const rule = { rate: 1, burst: 1 };
    expect((await store.consume('a', rule)).allowed).toBe(true);
    expect((await store.consume('a', rule)).allowed).toBe(false);
    await store.consume('b', rule);
    expect((await store.consume('a', rule)).allowed).toBe(true);
  });
});

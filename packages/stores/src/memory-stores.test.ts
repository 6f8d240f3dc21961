import { epochGeneration } from '@switchboard/protocol';
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

let memoryHistory: MemoryHistoryStore | undefined;
historyStoreContract(
  'memory',
  async (limits) => {
    memoryHistory = new MemoryHistoryStore({ ...limits, maxRooms: 1000 });
    return memoryHistory;
  },
  // Dropping every room is what a restart of a standalone server does to its history.
  async () => memoryHistory?.close(),
);
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

describe('MemoryHistoryStore epochs', () => {
  it('makes epochs with growing generations even when the clock steps back', async () => {
    let now = 5_000;
    const store = new MemoryHistoryStore({ ...CONTRACT_HISTORY_LIMITS, maxRooms: 1, now: () => now });
    const a = await store.append('a', 'x');
    now = 1_000; // the clock stepped back
    const b = await store.append('b', 'x'); // evicts a
    const a2 = await store.append('a', 'x');
    expect(epochGeneration(a.epoch)).toBe(5_000_000);
    expect(epochGeneration(b.epoch)).toBe(5_000_001);
    expect(epochGeneration(a2.epoch)).toBe(5_000_002);
    expect(a2.epoch).toMatch(/^5000002-[0-9A-Za-z]{8}$/);
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

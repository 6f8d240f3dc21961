import { describe, expect, it } from 'vitest';
import { closesAfterEach } from './contract-support.js';
import type { PresenceStore } from './presence-store.js';

export const CONTRACT_PRESENCE_TTL_MS = 400;

/** The presence store contract; `create` returns a store over an empty backend with the given TTL. */
export function presenceStoreContract(name: string, create: (ttlMs: number) => Promise<PresenceStore>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    const opener = closesAfterEach(create);
    const open = () => opener(CONTRACT_PRESENCE_TTL_MS);

    it('adds, lists and removes connections with their public meta', async () => {
      const store = await open();
      expect(await store.add('p1', { conn: 'c1', user: 'alice', meta: { name: 'Alice' } })).toBe(true);
      expect(await store.add('p1', { conn: 'c2', user: 'bob' })).toBe(true);
      const members = await store.list('p1');
      expect(members.sort((x, y) => x.conn.localeCompare(y.conn))).toEqual([
        { conn: 'c1', user: 'alice', meta: { name: 'Alice' } },
        { conn: 'c2', user: 'bob' },
      ]);
      expect(await store.remove('p1', 'c1')).toEqual({ conn: 'c1', user: 'alice', meta: { name: 'Alice' } });
      expect(await store.remove('p1', 'c1')).toBeUndefined();
      expect(await store.list('p1')).toEqual([{ conn: 'c2', user: 'bob' }]);
    });

    it('reports a refresh of a present connection as not new', async () => {
      const store = await open();
      expect(await store.add('p2', { conn: 'c1', user: 'alice' })).toBe(true);
      expect(await store.add('p2', { conn: 'c1', user: 'alice' })).toBe(false);
      expect(await store.list('p2')).toHaveLength(1);
    });

    it('counts connections and distinct users (one user, several connections)', async () => {
      const store = await open();
      await store.add('p3', { conn: 'c1', user: 'alice' });
      await store.add('p3', { conn: 'c2', user: 'alice' });
      await store.add('p3', { conn: 'c3', user: 'bob' });
      expect(await store.count('p3')).toEqual({ connections: 3, users: 2 });
      expect(await store.count('empty')).toEqual({ connections: 0, users: 0 });
    });

    it('counts live connections without reading entries; a removed one no longer counts', async () => {
      const store = await open();
      await store.add('p4', { conn: 'c1', user: 'alice' });
      await store.add('p4', { conn: 'c2', user: 'alice' });
      await store.add('p4', { conn: 'c3', user: 'bob' });
      expect(await store.connections('p4')).toBe(3);
      await store.remove('p4', 'c2');
      expect(await store.connections('p4')).toBe(2);
      expect(await store.connections('empty')).toBe(0);
    });

    it('keeps rooms apart', async () => {
      const store = await open();
      await store.add('pa', { conn: 'c1', user: 'alice' });
      expect(await store.list('pb')).toEqual([]);
    });

    it('lists rooms with live members and their counts, in name order, a page at a time', async () => {
      const store = await open();
      expect(await store.rooms({ limit: 10 })).toEqual({ rooms: [] });
      await store.add('r:b', { conn: 'c1', user: 'alice' });
      await store.add('r:b', { conn: 'c2', user: 'alice' });
      await store.add('r:a', { conn: 'c3', user: 'bob' });
      await store.add('r:c', { conn: 'c4', user: 'bob' });
      await store.add('r:d', { conn: 'c5', user: 'carol' });
      await store.remove('r:c', 'c4'); // emptied: not listed
      const first = await store.rooms({ limit: 2 });
      expect(first).toEqual({
        rooms: [
          { room: 'r:a', connections: 1, users: 1 },
          { room: 'r:b', connections: 2, users: 1 },
        ],
        nextCursor: 'r:b',
      });
      const second = await store.rooms({ cursor: first.nextCursor!, limit: 2 });
      expect(second).toEqual({ rooms: [{ room: 'r:d', connections: 1, users: 1 }] });
      expect(await store.rooms({ cursor: 'r:d', limit: 2 })).toEqual({ rooms: [] });
      // Exactly `limit` rooms left: no next page.
      expect(await store.rooms({ cursor: 'r:a', limit: 2 })).toEqual({
        rooms: [
          { room: 'r:b', connections: 2, users: 1 },
          { room: 'r:d', connections: 1, users: 1 },
        ],
      });
    });

    it('does not list rooms whose members all expired', async () => {
      const store = await open();
      await store.add('r:gone', { conn: 'c1', user: 'alice' });
      await sleep(CONTRACT_PRESENCE_TTL_MS + 150);
      await store.add('r:live', { conn: 'c2', user: 'bob' });
      expect((await store.rooms({ limit: 10 })).rooms.map((r) => r.room)).toEqual(['r:live']);
      await store.sweep();
      expect((await store.rooms({ limit: 10 })).rooms.map((r) => r.room)).toEqual(['r:live']);
    });

    it('expires entries not refreshed within the TTL, and sweep returns them once', async () => {
      const store = await open();
      await store.add('p4', { conn: 'stale', user: 'alice' });
      await store.add('p4', { conn: 'fresh', user: 'bob' });
      await sleep(CONTRACT_PRESENCE_TTL_MS / 2);
      await store.add('p4', { conn: 'fresh', user: 'bob' });
      await sleep(CONTRACT_PRESENCE_TTL_MS / 2 + 150);
      expect((await store.list('p4')).map((e) => e.conn)).toEqual(['fresh']);
      const swept = await store.sweep();
      expect(swept).toEqual([{ room: 'p4', entry: { conn: 'stale', user: 'alice' } }]);
      expect(await store.sweep()).toEqual([]);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

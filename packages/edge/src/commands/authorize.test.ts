import type { Identity } from '@switchboard/auth';
import { ErrorCode } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { authorize } from './authorize.js';

// The edge decides with the verified identity; the router and presence no longer re-check.
const alice: Identity = { user: 'alice', grants: { join: ['chat:*'], publish: ['chat:lobby'] } };
const forbidden = (message: string) => ({ errorCode: ErrorCode.Forbidden, message });

describe('authorization at the edge', () => {
  it('refuses a room the grants do not allow publishing to (Forbidden)', () => {
    expect(() => authorize(alice, 'publish', 'chat:lobby')).not.toThrow();
    expect(() => authorize(alice, 'publish', 'chat:other')).toThrow(
      expect.objectContaining(forbidden('not allowed to publish room "chat:other"')),
    );
  });

  it('refuses a room the grants do not allow joining (Forbidden)', () => {
    expect(() => authorize(alice, 'join', 'chat:other')).not.toThrow();
    expect(() => authorize(alice, 'join', 'news')).toThrow(
      expect.objectContaining(forbidden('not allowed to join room "news"')),
    );
  });

  it('refuses reading history or presence of a room the grants do not allow joining (Forbidden)', () => {
    expect(() => authorize(alice, 'read', 'news')).toThrow(
      expect.objectContaining(forbidden('not allowed to read room "news"')),
    );
    const eve: Identity = { user: 'eve', grants: { join: [], publish: [] } };
    expect(() => authorize(eve, 'read', 'chat:lobby')).toThrow(
      expect.objectContaining(forbidden('not allowed to read room "chat:lobby"')),
    );
  });
});

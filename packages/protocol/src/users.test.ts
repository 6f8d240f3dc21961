import { describe, expect, it } from 'vitest';
import { isValidUserId } from './users.js';

describe('user ids', () => {
  it('accepts common provider ids and refuses pattern characters', () => {
    for (const ok of [
      'alice',
      'auth0|5f1c',
      'a.b@example.com',
      '00u1abc',
      'c0ffee-1234',
      'google-oauth2|1',
    ]) {
      expect(isValidUserId(ok)).toBe(true);
    }
    for (const bad of ['*', 'al*', 'a:b', '{user}', 'a b', '', 'x'.repeat(129), 'a\nb']) {
      expect(isValidUserId(bad)).toBe(false);
    }
  });
});

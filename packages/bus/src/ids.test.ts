import { describe, expect, it } from 'vitest';
import { randomId } from './ids.js';

describe('randomId', () => {
  it('gives base62 ids of the asked length, distinct across many refills of its random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = randomId(i % 2 === 0 ? 12 : 16);
      expect(id).toMatch(i % 2 === 0 ? /^[0-9A-Za-z]{12}$/ : /^[0-9A-Za-z]{16}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(20_000);
  });

  it('uses every character of the alphabet (the bytes are not reused)', () => {
    const chars = new Set(Array.from({ length: 2_000 }, () => randomId()).join(''));
    expect(chars.size).toBe(62);
  });
});

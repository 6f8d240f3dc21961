import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH, valueDepthExceeds } from './json-depth.js';

describe('JSON depth bound', () => {
  it('counts arrays and objects, not brackets in strings', () => {
    expect(jsonDepthExceeds('{"a":[1,{"b":2}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[1,{"b":2}]}', 2)).toBe(true);
    expect(jsonDepthExceeds('{"a":"[[[[[[\\"[[[["}', 1)).toBe(false);
    expect(jsonDepthExceeds('[]'.repeat(1000), 1)).toBe(false);
    expect(jsonDepthExceeds('['.repeat(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds('['.repeat(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it('bounds in-memory values without recursion', () => {
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = [value];
    expect(valueDepthExceeds(value)).toBe(true);
    expect(valueDepthExceeds({ a: [{ b: null }] }, 3)).toBe(false);
    expect(valueDepthExceeds({ a: [{ b: null }] }, 2)).toBe(true);
  });
});

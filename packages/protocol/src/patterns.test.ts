import { describe, expect, it } from 'vitest';
import { anyPatternMatches, roomPatternMatches } from './patterns.js';

describe('room patterns', () => {
  it('matches literals, * and {user}', () => {
    expect(roomPatternMatches('chat:lobby', 'chat:lobby')).toBe(true);
    expect(roomPatternMatches('chat:lobby', 'chat:lobbyx')).toBe(false);
    expect(roomPatternMatches('chat:*', 'chat:lobby')).toBe(true);
    expect(roomPatternMatches('chat:*', 'chatroom')).toBe(false);
    expect(roomPatternMatches('*', 'anything')).toBe(true);
    expect(roomPatternMatches('dm:{user}', 'dm:alice', 'alice')).toBe(true);
    expect(roomPatternMatches('dm:{user}', 'dm:bob', 'alice')).toBe(false);
    expect(roomPatternMatches('dm:{user}', 'dm:alice')).toBe(false);
    expect(roomPatternMatches('dm:{user}:*', 'dm:alice:x', 'alice')).toBe(true);
  });

  it('treats regex characters literally', () => {
    expect(roomPatternMatches('a+b', 'a+b')).toBe(true);
    expect(roomPatternMatches('a+b*', 'aab')).toBe(false);
    expect(anyPatternMatches(['x', 'y:*'], 'y:1')).toBe(true);
    expect(anyPatternMatches([], 'y:1')).toBe(false);
  });
});

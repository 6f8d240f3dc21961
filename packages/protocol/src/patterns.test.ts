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

  it('expands {user} literally: a user id with * matches only itself', () => {
    expect(roomPatternMatches('dm:{user}', 'dm:alice', '*')).toBe(false);
    expect(roomPatternMatches('dm:{user}', 'dm:alice', 'al*')).toBe(false);
    expect(roomPatternMatches('dm:{user}', 'dm:*', '*')).toBe(true);
    expect(roomPatternMatches('dm:{user}:*', 'dm:bob:x', '*')).toBe(false);
    expect(roomPatternMatches('dm:{user}:*', 'dm:*:x', '*')).toBe(true);
    expect(roomPatternMatches('{user}*', 'alice', 'al*')).toBe(false);
    expect(roomPatternMatches('{user}*', 'al*ice', 'al*')).toBe(true);
    expect(roomPatternMatches('dm:{user}:*', 'dm:a.b:x', 'a.b')).toBe(true);
    expect(roomPatternMatches('dm:{user}:*', 'dm:axb:x', 'a.b')).toBe(false);
  });
});

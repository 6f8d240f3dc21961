/**
 * Room patterns as used in tokens and configuration: `*` matches any run of characters,
 * `{user}` stands for the connection's user id, matched literally (a `*` in a user id is
 * just a character). `chat:*` matches `chat:lobby`; `dm:{user}` matches `dm:alice` for alice only.
 */
export type RoomMatcher = (room: string, user?: string) => boolean;

const USER_PLACEHOLDER = '{user}';
const compiled = new Map<string, RegExp>();
/** Cache bound: patterns come from configuration and tokens, so the set is small; this stops abuse. */
const MAX_COMPILED = 10_000;

export function roomPatternMatches(pattern: string, room: string, user?: string): boolean {
  if (pattern === '*') return true;
  const hasUser = pattern.includes(USER_PLACEHOLDER);
  if (hasUser && user === undefined) return false;
  // Wildcards come from the pattern only: split on them before the user id goes in.
  if (!pattern.includes('*')) {
    return (hasUser ? pattern.replaceAll(USER_PLACEHOLDER, user ?? '') : pattern) === room;
  }
  // Length-prefixed: the pattern ends where its length says, so no (pattern, user) pair collides.
  const cacheKey = `${pattern.length}:${pattern}${hasUser ? user : ''}`;
  let regex = compiled.get(cacheKey);
  if (!regex) {
    const source = pattern
      .split('*')
      .map((part) =>
        part
          .split(USER_PLACEHOLDER)
          .map(escapeRegex)
          .join(hasUser ? escapeRegex(user ?? '') : ''),
      )
      .join('.*');
    regex = new RegExp(`^${source}$`);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(cacheKey, regex);
  }
  return regex.test(room);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function anyPatternMatches(patterns: readonly string[], room: string, user?: string): boolean {
  for (const pattern of patterns) if (roomPatternMatches(pattern, room, user)) return true;
  return false;
}

/**
 * Room patterns as used in tokens and configuration: `*` matches any run of characters,
 * `{user}` stands for the connection's user id. `chat:*` matches `chat:lobby`;
 * `dm:{user}` matches `dm:alice` for alice only.
 */
export type RoomMatcher = (room: string, user?: string) => boolean;

const compiled = new Map<string, RegExp>();
/** Cache bound: patterns come from configuration and tokens, so the set is small; this stops abuse. */
const MAX_COMPILED = 10_000;

export function roomPatternMatches(pattern: string, room: string, user?: string): boolean {
  if (pattern === '*') return true;
  const expanded = pattern.includes('{user}')
    ? user === undefined
      ? null
      : pattern.replaceAll('{user}', user)
    : pattern;
  if (expanded === null) return false;
  if (!expanded.includes('*')) return expanded === room;
  let regex = compiled.get(expanded);
  if (!regex) {
    const source = expanded
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${source}$`);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(expanded, regex);
  }
  return regex.test(room);
}

export function anyPatternMatches(patterns: readonly string[], room: string, user?: string): boolean {
  for (const pattern of patterns) if (roomPatternMatches(pattern, room, user)) return true;
  return false;
}

/**
 * User ids (a token's `sub`). They are expanded into room patterns (`dm:{user}`), so they are
 * restricted to characters that cannot change a pattern's meaning: no `*` (wildcard), no `{`/`}`
 * (placeholder) and no `:` — the room-name separator — so that `dm:{user}:*` for `alice` never
 * reaches the rooms of a user `alice:x`. `.`, `|` and `@` are allowed for e-mail-like and
 * provider-prefixed ids (`auth0|123`); such ids still expand literally, but only ids made of
 * room-name characters can form a valid room.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9_\-.@|+=~!/#]{1,128}$/;
export const USER_ID_MAX_LENGTH = 128;
export const USER_ID_CHARACTERS = 'A–Z a–z 0–9 _ - . @ | + = ~ ! / #';

export function isValidUserId(user: string): boolean {
  return USER_ID_PATTERN.test(user);
}

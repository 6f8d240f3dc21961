import * as v from 'valibot';

/**
 * Room names are single tokens of a NATS subject (no dots, wildcards or white space), so a
 * room maps to exactly one delivery subject in cluster mode. `{`/`}` are reserved for the
 * `{user}` placeholder in permission patterns.
 */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_\-:#@=+~!/]{1,128}$/;
export const ROOM_NAME_MAX_LENGTH = 128;

export function isValidRoomName(room: string): boolean {
  return ROOM_NAME_PATTERN.test(room);
}

/** A room name as a valibot schema: every service and the edges validate room names with it. */
export const roomNameSchema = v.pipe(
  v.string(),
  v.regex(ROOM_NAME_PATTERN, 'must be 1–128 characters of A–Z a–z 0–9 _ - : # @ = + ~ ! /'),
);

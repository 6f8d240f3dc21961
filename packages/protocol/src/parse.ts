import * as v from 'valibot';
import { ErrorCode } from './codes.js';
import type { ClientCommand, JsonValue } from './frames.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth.js';
import { HISTORY_LIMIT_MAX } from './limits.js';
import { roomNameSchema } from './rooms.js';

const id = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)));
const room = roomNameSchema;
const token = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(8192, 'is too long'));
const position = v.object({
  offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
  epoch: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
});

const commandSchema = v.variant('op', [
  v.object({
    op: v.literal('connect'),
    id,
    token: v.optional(token),
    client: v.optional(v.pipe(v.string(), v.maxLength(64))),
  }),
  v.object({ op: v.literal('refresh'), id, token }),
  v.object({ op: v.literal('join'), id, room, since: v.optional(position) }),
  v.object({ op: v.literal('leave'), id, room }),
  v.object({
    op: v.literal('publish'),
    id,
    room,
    event: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(64, 'is longer than 64')),
    data: v.optional(v.unknown(), null),
    key: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  }),
  v.object({ op: v.literal('presence'), id, room }),
  v.object({
    op: v.literal('history'),
    id,
    room,
    since: v.optional(position),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(HISTORY_LIMIT_MAX))),
    reverse: v.optional(v.boolean()),
  }),
  v.object({ op: v.literal('ping'), id }),
]);

const KNOWN_OPS = new Set(['connect', 'refresh', 'join', 'leave', 'publish', 'presence', 'history', 'ping']);

export type ParseOutcome =
  | { ok: true; command: ClientCommand }
  | { ok: false; id: number | undefined; code: ErrorCode; message: string };

/**
 * Parses and validates one client text frame. This is the only place inbound frames are
 * checked: everything after it works with typed commands.
 */
export function parseClientFrame(text: string): ParseOutcome {
  // Before JSON.parse: nothing recursive may see a document nested deeper than the limit.
  if (jsonDepthExceeds(text)) {
    return {
      ok: false,
      id: undefined,
      code: ErrorCode.BadRequest,
      message: `frame nests deeper than ${MAX_JSON_DEPTH} levels`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: undefined, code: ErrorCode.BadRequest, message: 'frame is not valid JSON' };
  }
  return validateClientCommand(raw);
}

/** Validates an already-decoded frame. */
export function validateClientCommand(raw: unknown): ParseOutcome {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, id: undefined, code: ErrorCode.BadRequest, message: 'frame must be a JSON object' };
  }
  const record = raw as Record<string, unknown>;
  const frameId =
    typeof record['id'] === 'number' && Number.isSafeInteger(record['id']) ? record['id'] : undefined;
  const op = record['op'];
  if (typeof op !== 'string') {
    return { ok: false, id: frameId, code: ErrorCode.BadRequest, message: 'frame needs a string "op"' };
  }
  if (!KNOWN_OPS.has(op)) {
    return { ok: false, id: frameId, code: ErrorCode.UnknownOp, message: `unknown op "${op.slice(0, 32)}"` };
  }
  const parsed = v.safeParse(commandSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue) ?? 'frame';
    return {
      ok: false,
      id: frameId,
      code: ErrorCode.BadRequest,
      message: `${op}: "${path}" ${issue.message}`,
    };
  }
  const command = parsed.output;
  if (command.op === 'publish') {
    // JSON.parse only produces JSON values, so the unknown is a JsonValue here.
    return { ok: true, command: { ...command, data: command.data as JsonValue } };
  }
  return { ok: true, command };
}

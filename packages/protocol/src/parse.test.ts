import { describe, expect, it } from 'vitest';
import { CloseCode, closeReason, ErrorCode, errorName, isTemporaryError, shouldReconnect } from './codes.js';
import { MAX_JSON_DEPTH } from './json-depth.js';
import { parseClientFrame } from './parse.js';

describe('parseClientFrame', () => {
  it('accepts every command in its documented form', () => {
    const frames = [
      { op: 'connect', id: 1, token: 'x' },
      { op: 'connect' },
      { op: 'refresh', id: 2, token: 'y' },
      { op: 'join', id: 3, room: 'chat:lobby', since: { offset: 4, epoch: 'e' } },
      { op: 'leave', room: 'chat:lobby' },
      { op: 'publish', id: 5, room: 'chat:lobby', event: 'say', data: { text: 'hi' }, key: 'k1' },
      { op: 'presence', id: 6, room: 'dm#alice' },
      { op: 'history', id: 7, room: 'a/b', limit: 10, reverse: true },
      { op: 'ping', id: 8 },
    ];
    for (const frame of frames) {
      const outcome = parseClientFrame(JSON.stringify(frame));
      expect(outcome, JSON.stringify(frame)).toMatchObject({ ok: true, command: { op: frame.op } });
    }
  });

  it('defaults publish data to null', () => {
    const outcome = parseClientFrame('{"op":"publish","room":"r","event":"e"}');
    expect(outcome).toEqual({ ok: true, command: { op: 'publish', room: 'r', event: 'e', data: null } });
  });

  it('rejects malformed JSON with bad_request and no id', () => {
    expect(parseClientFrame('{"op":')).toMatchObject({
      ok: false,
      code: ErrorCode.BadRequest,
      id: undefined,
    });
  });

  it('rejects a frame nested deeper than MAX_JSON_DEPTH with bad_request, before parsing it', () => {
    const deep = (n: number) =>
      `{"op":"publish","id":9,"room":"r","event":"e","data":${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(parseClientFrame(deep(MAX_JSON_DEPTH - 1))).toMatchObject({ ok: true });
    expect(parseClientFrame(deep(MAX_JSON_DEPTH))).toMatchObject({ ok: false, code: ErrorCode.BadRequest });
    expect(parseClientFrame(deep(20_000))).toMatchObject({ ok: false, code: ErrorCode.BadRequest });
    // Brackets inside strings do not count.
    const quoted = `{"op":"publish","room":"r","event":"e","data":"${'[{'.repeat(500)}\\"["}`;
    expect(parseClientFrame(quoted)).toMatchObject({ ok: true });
  });

  it('rejects non-objects', () => {
    for (const text of ['[]', '42', 'null', '"connect"']) {
      expect(parseClientFrame(text)).toMatchObject({ ok: false, code: ErrorCode.BadRequest });
    }
  });

  it('reports unknown ops with their own code and keeps the id', () => {
    expect(parseClientFrame('{"op":"subscribe","id":9}')).toMatchObject({
      ok: false,
      code: ErrorCode.UnknownOp,
      id: 9,
    });
  });

  it('names the bad field', () => {
    const outcome = parseClientFrame('{"op":"join","id":3,"room":"bad room"}');
    expect(outcome).toMatchObject({ ok: false, id: 3, code: ErrorCode.BadRequest });
    if (!outcome.ok) expect(outcome.message).toContain('"room"');
    const since = parseClientFrame('{"op":"join","room":"r","since":{"offset":-1,"epoch":"e"}}');
    if (since.ok) throw new Error('accepted a negative offset');
    expect(since.message).toContain('since.offset');
  });

  it('rejects room names that would break a subject', () => {
    for (const room of ['a.b', 'a*', 'a>', 'a b', '', 'x'.repeat(129), '{user}']) {
      const outcome = parseClientFrame(JSON.stringify({ op: 'leave', room }));
      expect(outcome.ok, room).toBe(false);
    }
  });

  it('rejects ids that are not non-negative integers', () => {
    for (const id of [-1, 1.5, '7']) {
      expect(parseClientFrame(JSON.stringify({ op: 'ping', id })).ok).toBe(false);
    }
  });
});

describe('codes', () => {
  it('close code ranges say whether to reconnect', () => {
    expect(shouldReconnect(CloseCode.Shutdown)).toBe(true);
    expect(shouldReconnect(CloseCode.TokenExpired)).toBe(true);
    expect(shouldReconnect(CloseCode.SlowConsumer)).toBe(true);
    expect(shouldReconnect(CloseCode.Unauthorized)).toBe(false);
    expect(shouldReconnect(CloseCode.Forbidden)).toBe(false);
    expect(shouldReconnect(1006)).toBe(true);
    for (const code of Object.values(CloseCode)) {
      expect(code >= 4000 && code <= 4999).toBe(true);
    }
  });

  it('error code ranges say whether to retry', () => {
    expect(isTemporaryError(ErrorCode.RateLimited)).toBe(true);
    expect(isTemporaryError(ErrorCode.Forbidden)).toBe(false);
    expect(new Set(Object.values(ErrorCode)).size).toBe(Object.values(ErrorCode).length);
  });

  it('names codes for logs', () => {
    expect(closeReason(CloseCode.SlowConsumer)).toBe('slow_consumer');
    expect(errorName(ErrorCode.TokenExpired)).toBe('token_expired');
    expect(closeReason(4999)).toBe('code_4999');
  });
});

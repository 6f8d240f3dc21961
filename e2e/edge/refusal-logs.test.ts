import { Writable } from 'node:stream';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { createLogger } from '@switchboard/telemetry';
import { openSocket, startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** At debug level every refused upgrade and failed authentication is logged with its reason. */
describe('refusal logs (debug)', () => {
  let sb: TestSwitchboard;
  let written = '';
  const lines = () =>
    written
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const logged = (msg: string) => lines().filter((line) => line['msg'] === msg);

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    });
    const log = createLogger({
      level: 'debug',
      format: 'json',
      node: 'edge-under-test',
      role: 'standalone',
      destination,
    });
    sb = await startSwitchboard({ log, config: { allowedOrigins: ['https://app.example'] } });
  });
  afterAll(() => sb.stop());

  it('logs a refused upgrade: a foreign Origin, a malformed Authorization header, a bad bearer token', async () => {
    await expect(openSocket(sb.wsUrl, { headers: { Origin: 'https://evil.example' } })).rejects.toMatchObject(
      {
        status: 403,
      },
    );
    await expect(openSocket(sb.wsUrl, { headers: { Authorization: 'Basic x' } })).rejects.toMatchObject({
      status: 401,
    });
    await expect(openSocket(sb.wsUrl, { headers: { Authorization: 'Bearer nope' } })).rejects.toMatchObject({
      status: 401,
    });
    const refused = logged('upgrade refused');
    expect(refused).toEqual([
      expect.objectContaining({ level: 20, status: 403, result: 'origin', reason: 'origin not allowed' }),
      expect.objectContaining({
        status: 401,
        result: 'auth',
        reason: 'Authorization must be "Bearer <token>"',
      }),
      expect.objectContaining({ status: 401, result: 'auth', code: ErrorCode.TokenInvalid }),
    ]);
    for (const line of refused) expect(line).toMatchObject({ node: 'edge-under-test', role: 'standalone' });
  });

  it('logs a rejected connect with the reason and code', async () => {
    const expired = jwt.sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 }, sb.secret);
    const socket = await openSocket(sb.wsUrl);
    const reply = await socket.request({ op: 'connect', token: expired });
    expect(reply.error?.code).toBe(ErrorCode.TokenExpired);
    expect((await socket.closed).code).toBe(CloseCode.TokenExpired);

    const missing = await openSocket(sb.wsUrl);
    await missing.request({ op: 'connect' });
    await missing.closed;

    expect(logged('connect rejected')).toEqual([
      expect.objectContaining({
        level: 20,
        code: ErrorCode.TokenExpired,
        reason: 'token expired',
        conn: expect.any(String),
      }),
      expect.objectContaining({ reason: 'missing token' }),
    ]);
  });

  it('logs a rejected refresh', async () => {
    const socket = await openSocket(sb.wsUrl);
    await socket.call({ op: 'connect', token: sb.token('carol') });
    expect((await socket.request({ op: 'refresh', token: 'garbage' })).error?.code).toBe(
      ErrorCode.TokenInvalid,
    );
    expect((await socket.request({ op: 'refresh', token: sb.token('mallory') })).error?.code).toBe(
      ErrorCode.TokenUserMismatch,
    );
    socket.close();
    const rejected = logged('refresh rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatchObject({
      level: 20,
      err: expect.objectContaining({ message: expect.any(String) }),
    });
    expect(rejected[1]).toMatchObject({ reason: 'token for another user' });
  });
});

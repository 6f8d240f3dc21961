import { CloseCode, ErrorCode, MAX_JSON_DEPTH } from '@switchboard/protocol';
import {
  type BackendKind,
  connectSocket,
  openSocket,
  startSwitchboard,
  type TestSwitchboard,
} from '@switchboard/testing';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const part = (text: string) => Buffer.from(text).toString('base64url');
/** A token whose payload segment is not JSON (signature irrelevant: it never gets that far). */
const notJsonPayload = `${part('{"alg":"HS256","typ":"JWT"}')}.${part('{not json')}.${part('sig')}`;

describe.each<BackendKind>(['memory', 'nats+redis'])('input hardening (%s)', (backends) => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard({ backends });
  });
  afterAll(() => sb.stop());

  it('answers a token whose payload is not JSON with 1100 and close 4500 on connect', async () => {
    const socket = await openSocket(sb.wsUrl);
    const reply = await socket.request({ op: 'connect', token: notJsonPayload });
    expect(reply.error?.code).toBe(ErrorCode.TokenInvalid);
    expect((await socket.closed).code).toBe(CloseCode.Unauthorized);
  });

  it('answers such a token with 1100 on refresh', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('refresher'));
    const reply = await socket.request({ op: 'refresh', token: notJsonPayload });
    expect(reply.error?.code).toBe(ErrorCode.TokenInvalid);
    socket.close();
  });

  it('refuses such a bearer token on the upgrade with HTTP 401', async () => {
    await expect(
      openSocket(sb.wsUrl, { headers: { Authorization: `Bearer ${notJsonPayload}` } }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('answers a publish nested deeper than the limit with 1000, and keeps the connection', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('nester'));
    await socket.call({ op: 'join', room: 'deep' });
    for (const depth of [MAX_JSON_DEPTH + 1, 5_000, 32_000]) {
      const data = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      socket.send(`{"op":"publish","room":"deep","event":"e","data":${data}}`);
      expect((await socket.anonymousReply()).error?.code).toBe(ErrorCode.BadRequest);
    }
    const shallow = JSON.parse(`${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`);
    expect((await socket.call({ op: 'publish', room: 'deep', event: 'e', data: shallow })).offset).toBe(1);
    socket.close();
  });

  it('matches {user} literally: a sub of "*" is refused and cannot reach dm:alice', async () => {
    const star = jwt.sign({ sub: '*', sb: { join: ['dm:{user}'], publish: ['dm:{user}'] } }, sb.secret, {
      expiresIn: 60,
    });
    const socket = await openSocket(sb.wsUrl);
    expect((await socket.request({ op: 'connect', token: star })).error?.code).toBe(ErrorCode.TokenInvalid);
    const prefix = jwt.sign({ sub: 'al*', sb: { join: ['dm:{user}'] } }, sb.secret, { expiresIn: 60 });
    const other = await openSocket(sb.wsUrl);
    expect((await other.request({ op: 'connect', token: prefix })).error?.code).toBe(ErrorCode.TokenInvalid);
  });
});

describe('tokens without exp (SB_JWT_REQUIRE_EXP)', () => {
  const noExp = (secret: string) => jwt.sign({ sub: 'forever' }, secret);
  async function connectCode(sb: TestSwitchboard, token: string) {
    const socket = await openSocket(sb.wsUrl);
    const reply = await socket.request({ op: 'connect', token });
    socket.close();
    return reply.error?.code ?? 0;
  }

  it('refuses them by default in production, accepts them in development or when turned off', async () => {
    const production = await startSwitchboard({ config: { env: 'production' } });
    const optedOut = await startSwitchboard({ config: { env: 'production', jwtRequireExp: false } });
    const development = await startSwitchboard();
    try {
      expect(await connectCode(production, noExp(production.secret))).toBe(ErrorCode.TokenInvalid);
      expect(await connectCode(production, production.token('bounded'))).toBe(0);
      expect(await connectCode(optedOut, noExp(optedOut.secret))).toBe(0);
      expect(await connectCode(development, noExp(development.secret))).toBe(0);
    } finally {
      await Promise.all([production.stop(), optedOut.stop(), development.stop()]);
    }
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { connectSocket, openSocket, startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const now = () => Math.floor(Date.now() / 1000);

describe('authentication (HS256 server)', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard();
  });
  afterAll(() => sb.stop());

  async function rejected(token: string | undefined, expectedError: number, expectedClose: number) {
    const socket = await openSocket(sb.wsUrl);
    const reply = await socket.request({ op: 'connect', ...(token !== undefined ? { token } : {}) });
    expect(reply.error?.code, reply.error?.message).toBe(expectedError);
    const closed = await socket.closed;
    expect(closed.code).toBe(expectedClose);
    return reply.error!;
  }

  it('accepts a good token and returns the session', async () => {
    const socket = await openSocket(sb.wsUrl);
    const result = await socket.call({ op: 'connect', token: sb.token('alice') });
    expect(result).toMatchObject({ user: 'alice', version: 1, ping: expect.any(Number) });
    expect(result.conn).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(result.limits.maxFrameBytes).toBe(65_536);
    socket.close();
  });

  it('rejects a missing token', () => rejected(undefined, ErrorCode.TokenInvalid, CloseCode.Unauthorized));
  it('rejects garbage', () => rejected('garbage.token.here', ErrorCode.TokenInvalid, CloseCode.Unauthorized));
  it('rejects an expired token with the reconnect-with-new-token close code', () =>
    rejected(
      jwt.sign({ sub: 'a', exp: now() - 60 }, sb.secret),
      ErrorCode.TokenExpired,
      CloseCode.TokenExpired,
    ));
  it('rejects a token that is not valid yet', () =>
    rejected(
      jwt.sign({ sub: 'a', nbf: now() + 600 }, sb.secret),
      ErrorCode.TokenNotYetValid,
      CloseCode.Unauthorized,
    ));
  it('rejects a token signed with another key', () =>
    rejected(
      jwt.sign({ sub: 'a' }, 'some-other-secret-of-sufficient-length!!'),
      ErrorCode.TokenInvalid,
      CloseCode.Unauthorized,
    ));
  it('rejects alg none', () =>
    rejected(
      jwt.sign({ sub: 'a' }, '', { algorithm: 'none' }),
      ErrorCode.TokenInvalid,
      CloseCode.Unauthorized,
    ));

  it('rejects any command before connect, and closes', async () => {
    for (const op of ['join', 'publish', 'ping'] as const) {
      const socket = await openSocket(sb.wsUrl);
      const reply = await socket.request({ op, room: 'r', event: 'e' });
      expect(reply.error?.code).toBe(ErrorCode.NotAuthenticated);
      expect((await socket.closed).code).toBe(CloseCode.ProtocolError);
    }
  });

  it('closes a connection that never sends connect', async () => {
    const strict = await startSwitchboard({ config: { authTimeoutMs: 300 } });
    try {
      const socket = await openSocket(strict.wsUrl);
      expect((await socket.closed).code).toBe(CloseCode.AuthTimeout);
    } finally {
      await strict.stop();
    }
  });

  it('refuses a second connect', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('alice'));
    expect((await socket.request({ op: 'connect', token: sb.token('alice') })).error?.code).toBe(
      ErrorCode.AlreadyAuthenticated,
    );
    socket.close();
  });

  it('runs commands pipelined behind connect after the token is verified', async () => {
    const socket = await openSocket(sb.wsUrl);
    const connect = socket.request({ op: 'connect', token: sb.token('pipe') });
    const join = socket.request({ op: 'join', room: 'pipelined' });
    expect((await connect).result?.user).toBe('pipe');
    expect((await join).result).toMatchObject({ room: 'pipelined', offset: 0 });
    socket.close();
  });

  it('accepts Authorization: Bearer on the upgrade (server-side clients), refuses a bad one with 401', async () => {
    const socket = await openSocket(sb.wsUrl, { headers: { Authorization: `Bearer ${sb.token('svc')}` } });
    expect((await socket.call({ op: 'join', room: 'server-side' })).room).toBe('server-side');
    expect((await socket.call({ op: 'connect' })).user).toBe('svc');
    socket.close();
    await expect(openSocket(sb.wsUrl, { headers: { Authorization: 'Bearer nope' } })).rejects.toMatchObject({
      status: 401,
    });
    await expect(openSocket(sb.wsUrl, { headers: { Authorization: 'Basic x' } })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('counts auth failures by reason in /metrics', async () => {
    const text = await (await fetch(`${sb.httpUrl}/metrics`)).text();
    expect(text).toMatch(/switchboard_edge_auth_failures_total\{reason="token_expired"\} [1-9]/);
    expect(text).toMatch(/switchboard_edge_auth_failures_total\{reason="token_invalid"\} [1-9]/);
  });
});

describe('authentication (RS256 server with issuer and audience)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let sb: TestSwitchboard;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-keys-'));
    const file = join(dir, 'public.pem');
    writeFileSync(file, publicPem);
    sb = await startSwitchboard({
      config: {
        jwtSecrets: [],
        jwtPublicKeyFiles: [file],
        jwtIssuer: 'https://id.example',
        jwtAudience: 'switchboard',
      },
    });
  });
  afterAll(() => sb.stop());

  const sign = (claims: object) =>
    jwt.sign({ sub: 'alice', ...claims }, rsa.privateKey, { algorithm: 'RS256', expiresIn: 60 });

  async function connectWith(token: string) {
    const socket = await openSocket(sb.wsUrl);
    const reply = await socket.request({ op: 'connect', token });
    socket.close();
    return reply;
  }

  it('accepts RS256 with the right issuer and audience', async () => {
    expect((await connectWith(sign({ iss: 'https://id.example', aud: 'switchboard' }))).result?.user).toBe(
      'alice',
    );
  });

  it('rejects a wrong audience or issuer', async () => {
    expect((await connectWith(sign({ iss: 'https://id.example', aud: 'other' }))).error?.code).toBe(
      ErrorCode.TokenInvalid,
    );
    expect((await connectWith(sign({ iss: 'https://evil.example', aud: 'switchboard' }))).error?.code).toBe(
      ErrorCode.TokenInvalid,
    );
  });

  it('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const forged = jwt.sign(
      { sub: 'mallory', iss: 'https://id.example', aud: 'switchboard' },
      Buffer.from(publicPem),
      {
        algorithm: 'HS256',
      },
    );
    expect((await connectWith(forged)).error?.code).toBe(ErrorCode.TokenInvalid);
  });
});

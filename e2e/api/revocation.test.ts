import { mintToken } from '@switchboard/auth';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { GrpcServerClient } from '@switchboard/server-sdk';
import {
  type BackendKind,
  connectSocket,
  openSocket,
  startSwitchboard,
  type TestSocket,
  type TestSwitchboard,
} from '@switchboard/testing';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Resolves the close and how long it took from `since`. */
async function closedWithin(socket: TestSocket, since: number) {
  const closed = await socket.closed;
  return { code: closed.code, ms: Date.now() - since };
}

describe.each<BackendKind>(['memory', 'nats+redis'])('revocation (%s)', (backends) => {
  let sb: TestSwitchboard;
  let api: GrpcServerClient;
  beforeAll(async () => {
    sb = await startSwitchboard({ backends });
    api = new GrpcServerClient({ url: sb.grpcUrl, apiKey: sb.apiKey, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await api.close();
    await sb.stop();
  });

  const tokenWithJti = (user: string, jti: string) =>
    mintToken(sb.secret, { user, jti, join: ['*'], publish: ['*'], ttlS: 600 });

  it('RevokeToken closes the connections holding it with 4501 within a second, and only those', async () => {
    const token = tokenWithJti('rita', 'rt-1');
    const first = await connectSocket(sb.wsUrl, token);
    const second = await openSocket(sb.wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    const sameUserOtherToken = await connectSocket(sb.wsUrl, tokenWithJti('rita', 'rt-2'));
    const started = Date.now();
    const result = await api.revokeToken({ jti: 'rt-1', until: Date.now() + 600_000 });
    expect(result.until).toBeGreaterThan(Date.now());
    for (const socket of [first, second]) {
      const closed = await closedWithin(socket, started);
      expect(closed.code).toBe(CloseCode.Forbidden);
      expect(closed.ms).toBeLessThan(1_000);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(sameUserOtherToken.isOpen()).toBe(true);
    // The same token cannot come back.
    const again = await openSocket(sb.wsUrl);
    expect((await again.request({ op: 'connect', token })).error?.code).toBe(ErrorCode.TokenRevoked);
    expect((await again.closed).code).toBe(CloseCode.Forbidden);
    sameUserOtherToken.close();
  });

  it('RevokeUser closes every connection of the user with 4501; tokens issued after still work', async () => {
    const a = await connectSocket(sb.wsUrl, sb.token('ursula'));
    const b = await connectSocket(sb.wsUrl, sb.token('ursula'));
    const bystander = await connectSocket(sb.wsUrl, sb.token('victor'));
    const started = Date.now();
    const { issuedBefore } = await api.revokeUser({ user: 'ursula' });
    for (const socket of [a, b]) {
      const closed = await closedWithin(socket, started);
      expect(closed.code).toBe(CloseCode.Forbidden);
      expect(closed.ms).toBeLessThan(1_000);
    }
    expect(bystander.isOpen()).toBe(true);
    const old = await openSocket(sb.wsUrl);
    expect((await old.request({ op: 'connect', token: sb.token('ursula') })).error?.code).toBe(
      ErrorCode.TokenRevoked,
    );
    const fresh = jwt.sign({ sub: 'ursula', iat: Math.ceil(issuedBefore / 1000) + 1 }, sb.secret, {
      expiresIn: 600,
    });
    const back = await connectSocket(sb.wsUrl, fresh);
    expect(back.isOpen()).toBe(true);
    back.close();
    bystander.close();
  });

  it('refuses a token whose iat is in the future (it would escape RevokeUser)', async () => {
    const future = jwt.sign({ sub: 'wendy', iat: Math.floor(Date.now() / 1000) + 3600 }, sb.secret, {
      expiresIn: 7200,
    });
    const socket = await openSocket(sb.wsUrl);
    expect((await socket.request({ op: 'connect', token: future })).error?.code).toBe(ErrorCode.TokenInvalid);
  });

  it('validates revoke requests (BadRequest)', async () => {
    await expect(api.revokeToken({ jti: '' })).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(api.revokeUser({ user: '' })).rejects.toMatchObject({ code: ErrorCode.BadRequest });
  });
});

import { decodeJson, encodeJson, MemoryBus, MemoryBusHub, RpcClient } from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';
import { MemoryRevocationStore } from '@switchboard/stores';
import { silentLogger } from '@switchboard/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mintToken } from './mint.js';
import { AuthRpc } from './rpc.js';
import { AuthClient, startAuthService } from './service.js';
import { TokenVerifier } from './verifier.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

describe('auth service', () => {
  let bus: MemoryBus;
  let revocations: MemoryRevocationStore;
  let stop: () => void;
  beforeEach(() => {
    bus = new MemoryBus(new MemoryBusHub());
    revocations = new MemoryRevocationStore();
    const verifier = new TokenVerifier({ secrets: [SECRET], revocations });
    stop = startAuthService({ bus, verifier, log: silentLogger() }).stop;
  });
  afterEach(() => stop());

  it('answers a good token with its identity (through the typed client)', async () => {
    const token = mintToken(SECRET, { user: 'alice', join: ['chat:*'], publish: [], meta: { name: 'A' } });
    const identity = await new AuthClient(bus, 1_000).verify(token);
    expect(identity).toMatchObject({
      user: 'alice',
      grants: { join: ['chat:*'], publish: [] },
      meta: { name: 'A' },
      expiresAt: expect.any(Number),
      issuedAt: expect.any(Number),
    });
  });

  it('answers token error codes: invalid, wrong secret, expired, revoked', async () => {
    const rpc = new RpcClient(bus, 1_000);
    const codeOf = (token: string) =>
      rpc.call(AuthRpc.verify, { token }).then(
        () => undefined,
        (error: { errorCode?: number }) => error.errorCode,
      );
    expect(await codeOf('not-a-jwt')).toBe(ErrorCode.TokenInvalid);
    expect(await codeOf(mintToken('another-secret-that-is-at-least-32-bytes', { user: 'a' }))).toBe(
      ErrorCode.TokenInvalid,
    );
    expect(await codeOf(mintToken(SECRET, { user: 'a', ttlS: -60 }))).toBe(ErrorCode.TokenExpired);
    await revocations.revokeToken('j1', Date.now() + 60_000);
    expect(await codeOf(mintToken(SECRET, { user: 'bob', jti: 'j1' }))).toBe(ErrorCode.TokenRevoked);
  });

  it('answers BadRequest for a body without a token or with one that is too long', async () => {
    const raw = async (body: unknown) =>
      decodeJson((await bus.request(AuthRpc.verify.subject, encodeJson(body), { timeoutMs: 1_000 })).data);
    expect(await raw({})).toMatchObject({ error: { code: ErrorCode.BadRequest, message: /^"token" / } });
    expect(await raw({ token: 'x'.repeat(8193) })).toMatchObject({
      error: { code: ErrorCode.BadRequest, message: /^"token" / },
    });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { RemoteError } from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';
import { MemoryRevocationStore } from '@switchboard/stores';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { canJoin, canPublish } from './identity.js';
import { mintToken } from './mint.js';
import { TokenVerifier } from './verifier.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecPublicPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RemoteError) return error.errorCode;
    throw error;
  }
  throw new Error('verified a token that should fail');
}

describe('TokenVerifier', () => {
  const verifier = new TokenVerifier({ secrets: ['old-secret-still-accepted-for-rotation!', SECRET] });

  it('returns identity, grants and meta from a good HS256 token (any rotated secret)', async () => {
    const token = mintToken(SECRET, {
      user: 'alice',
      join: ['chat:*'],
      publish: ['chat:lobby'],
      meta: { name: 'A' },
    });
    const identity = await verifier.verify(token);
    expect(identity).toMatchObject({
      user: 'alice',
      grants: { join: ['chat:*'], publish: ['chat:lobby'] },
      meta: { name: 'A' },
    });
    expect(identity.expiresAt).toBeGreaterThan(Date.now());
    expect(canJoin(identity, 'chat:x')).toBe(true);
    expect(canPublish(identity, 'chat:x')).toBe(false);
  });

  it('verifies RS256 and ES256 with configured public keys', async () => {
    const asym = new TokenVerifier({ publicKeys: [rsaPublicPem, ecPublicPem] });
    const rs = jwt.sign({ sub: 'r' }, rsa.privateKey, { algorithm: 'RS256', expiresIn: 60 });
    const es = jwt.sign({ sub: 'e' }, ec.privateKey, { algorithm: 'ES256', expiresIn: 60 });
    expect((await asym.verify(rs)).user).toBe('r');
    expect((await asym.verify(es)).user).toBe('e');
  });

  it('rejects garbage, alg none, wrong key, and HS/RS confusion as invalid', async () => {
    expect(await codeOf(verifier.verify('not-a-token'))).toBe(ErrorCode.TokenInvalid);
    const none = jwt.sign({ sub: 'alice' }, '', { algorithm: 'none' });
    expect(await codeOf(verifier.verify(none))).toBe(ErrorCode.TokenInvalid);
    const wrongKey = mintToken('another-secret-that-is-also-long-enough!!', { user: 'alice' });
    expect(await codeOf(verifier.verify(wrongKey))).toBe(ErrorCode.TokenInvalid);
    // HS256 signed with the RSA public key's PEM text: the classic confusion attack.
    const asym = new TokenVerifier({ publicKeys: [rsaPublicPem] });
    const confused = jwt.sign({ sub: 'mallory' }, Buffer.from(rsaPublicPem), { algorithm: 'HS256' });
    expect(await codeOf(asym.verify(confused))).toBe(ErrorCode.TokenInvalid);
  });

  it('separates expired and not-yet-valid', async () => {
    const expired = jwt.sign({ sub: 'a', exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, {
      algorithm: 'HS256',
    });
    expect(await codeOf(verifier.verify(expired))).toBe(ErrorCode.TokenExpired);
    const future = jwt.sign({ sub: 'a', nbf: Math.floor(Date.now() / 1000) + 600 }, SECRET, {
      algorithm: 'HS256',
    });
    expect(await codeOf(verifier.verify(future))).toBe(ErrorCode.TokenNotYetValid);
  });

  it('checks issuer and audience when configured', async () => {
    const strict = new TokenVerifier({
      secrets: [SECRET],
      issuer: 'https://id.example',
      audience: 'switchboard',
    });
    const good = mintToken(SECRET, { user: 'a', issuer: 'https://id.example', audience: 'switchboard' });
    expect((await strict.verify(good)).user).toBe('a');
    const badAud = mintToken(SECRET, { user: 'a', issuer: 'https://id.example', audience: 'other' });
    expect(await codeOf(strict.verify(badAud))).toBe(ErrorCode.TokenInvalid);
    const badIss = mintToken(SECRET, { user: 'a', issuer: 'https://evil.example', audience: 'switchboard' });
    expect(await codeOf(strict.verify(badIss))).toBe(ErrorCode.TokenInvalid);
  });

  it('rejects bad claims: no sub, oversized meta', async () => {
    const noSub = jwt.sign({ sb: {} }, SECRET, { algorithm: 'HS256' });
    expect(await codeOf(verifier.verify(noSub))).toBe(ErrorCode.TokenInvalid);
    const bigMeta = mintToken(SECRET, { user: 'a', meta: { blob: 'x'.repeat(2000) } });
    expect(await codeOf(verifier.verify(bigMeta))).toBe(ErrorCode.TokenInvalid);
  });

  it('rejects revoked tokens', async () => {
    const revocations = new MemoryRevocationStore();
    const withStore = new TokenVerifier({ secrets: [SECRET], revocations });
    const token = mintToken(SECRET, { user: 'bob', jti: 'j1' });
    expect((await withStore.verify(token)).user).toBe('bob');
    await revocations.revokeToken('j1', Date.now() + 60_000);
    expect(await codeOf(withStore.verify(token))).toBe(ErrorCode.TokenRevoked);
  });

  it('answers TokenInvalid (never an internal error) for tokens whose parts are not JSON objects', async () => {
    const part = (text: string) => Buffer.from(text).toString('base64url');
    const header = part('{"alg":"HS256","typ":"JWT"}');
    for (const token of [
      `${header}.${part('{not json')}.sig`,
      `${header}.${part('null')}.sig`,
      `${header}.${part('[1,2]')}.sig`,
      `${header}.${part('"text"')}.sig`,
      `${part('{not json')}.${part('{}')}.sig`,
      `${part('{"alg":42}')}.${part('{"sub":"a"}')}.sig`,
      `${part('[]')}.${part('{"sub":"a"}')}.sig`,
      '..',
      'a.b.c.d',
    ]) {
      expect(await codeOf(verifier.verify(token)), token).toBe(ErrorCode.TokenInvalid);
    }
  });

  it('refuses subs with characters outside the user id set (* : { } white space)', async () => {
    for (const sub of ['*', 'al*', 'pat:x', '{user}', 'a b']) {
      const token = mintToken(SECRET, { user: sub });
      expect(await codeOf(verifier.verify(token)), sub).toBe(ErrorCode.TokenInvalid);
    }
    expect((await verifier.verify(mintToken(SECRET, { user: 'auth0|5f1c.x@y' }))).user).toBe(
      'auth0|5f1c.x@y',
    );
  });

  it('does not name the expected issuer or audience in its errors', async () => {
    const strict = new TokenVerifier({ secrets: [SECRET], issuer: 'https://id.example', audience: 'sb-aud' });
    for (const token of [
      mintToken(SECRET, { user: 'a', issuer: 'https://evil.example', audience: 'sb-aud' }),
      mintToken(SECRET, { user: 'a', issuer: 'https://id.example', audience: 'other' }),
    ]) {
      const error = await strict.verify(token).catch((e: unknown) => e as RemoteError);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as RemoteError).message).not.toMatch(/id\.example|sb-aud/);
    }
  });

  it('rejects a token issued in the future beyond the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = jwt.sign({ sub: 'a', iat: now + 600, exp: now + 1200 }, SECRET, { algorithm: 'HS256' });
    expect(await codeOf(verifier.verify(future))).toBe(ErrorCode.TokenInvalid);
    const slightly = jwt.sign({ sub: 'a', iat: now + 2, exp: now + 1200 }, SECRET, { algorithm: 'HS256' });
    expect((await verifier.verify(slightly)).user).toBe('a');
  });

  it('refuses tokens without exp when requireExp is set', async () => {
    const noExp = jwt.sign({ sub: 'a' }, SECRET, { algorithm: 'HS256' });
    expect((await verifier.verify(noExp)).user).toBe('a');
    const strict = new TokenVerifier({ secrets: [SECRET], requireExp: true });
    expect(await codeOf(strict.verify(noExp))).toBe(ErrorCode.TokenInvalid);
    expect((await strict.verify(mintToken(SECRET, { user: 'a' }))).user).toBe('a');
  });

  it('refuses weak RSA keys and unsupported key types at construction', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(
      () =>
        new TokenVerifier({
          publicKeys: [weak.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
        }),
    ).toThrow(/2048/);
    expect(() => new TokenVerifier({})).toThrow(/at least one/);
  });
});

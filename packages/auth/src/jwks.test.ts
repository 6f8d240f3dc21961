import { generateKeyPairSync } from 'node:crypto';
import { silentLogger } from '@switchboard/telemetry';
import { describe, expect, it } from 'vitest';
import { JwksKeySet, maxAge, parseJwks } from './jwks.js';

const jwkOf = (pair: { publicKey: import('node:crypto').KeyObject }, extra: object) => ({
  ...pair.publicKey.export({ format: 'jwk' }),
  ...extra,
});

describe('JWKS', () => {
  it('reads Cache-Control max-age', () => {
    expect(maxAge('public, max-age=300, must-revalidate')).toBe(300_000);
    expect(maxAge('no-store')).toBe(0);
    expect(maxAge(undefined)).toBeUndefined();
    expect(maxAge('public')).toBeUndefined();
  });

  it('pins keys to their algorithm and skips keys it cannot use', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const keys = parseJwks(
      {
        keys: [
          jwkOf(rsa, { kid: 'r' }),
          jwkOf(ec, { kid: 'e', alg: 'ES256' }),
          jwkOf(ed, { kid: 'd' }),
          jwkOf(rsa, { kid: 'mismatch', alg: 'ES256' }),
          jwkOf(weak, { kid: 'weak' }),
          jwkOf(rsa, { kid: 'enc', use: 'enc' }),
          jwkOf(rsa, {}),
          { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'private' },
          'junk',
        ],
      },
      silentLogger(),
      'https://example',
    );
    expect([...keys.values()].map((k) => [k.kid, k.alg])).toEqual([
      ['r', 'RS256'],
      ['e', 'ES256'],
      ['d', 'EdDSA'],
    ]);
    expect(() => parseJwks({}, silentLogger(), 'x')).toThrow(/keys/);
  });

  it('refuses non-HTTPS URLs and reports not ready only when no key is usable', async () => {
    expect(() => new JwksKeySet({ urls: ['http://example/jwks'], log: silentLogger() })).toThrow(/https/);
    const set = new JwksKeySet({
      urls: ['https://127.0.0.1:1/jwks'],
      log: silentLogger(),
      fetchTimeoutMs: 500,
    });
    await set.start();
    expect(set.problems()[0]).toMatch(/no usable JWKS key/);
    expect(await set.keyFor('anything')).toBeUndefined();
    set.stop();
  });
});

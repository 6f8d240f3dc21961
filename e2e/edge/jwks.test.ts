import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import {
  createTestPki,
  openSocket,
  startSwitchboard,
  type TestPki,
  type TestSwitchboard,
} from '@switchboard/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A signing key as an identity provider holds it: private half, and its public JWK with kid/alg. */
interface ProviderKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function providerKey(kid: string, alg: ProviderKey['alg']): ProviderKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

/** A local HTTPS JWKS endpoint with a certificate from a CA the test creates. */
class JwksServer {
  keys: ProviderKey[] = [];
  fetches = 0;
  maxAgeS = 600;
  down = false;
  readonly caFile: string;
  readonly #server: Server;
  /** With the test PKI's CA and server certificate (`createTestPki`). */
  constructor(pki: TestPki) {
    this.caFile = pki.caFile;
    this.#server = createServer(
      { key: readFileSync(pki.serverKeyFile), cert: readFileSync(pki.serverCertFile) },
      (_req, res) => {
        this.fetches++;
        if (this.down) {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': `public, max-age=${this.maxAgeS}`,
        });
        res.end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
      },
    );
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }
  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const sign = (key: ProviderKey, sub: string, header: Record<string, unknown> = {}) =>
  new SignJWT({ sb: { join: ['*'], publish: ['*'] } })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key.privateKey);

const pki = await createTestPki(mkdtempSync(join(tmpdir(), 'sb-jwks-')));

describe('JWKS keys (local HTTPS provider with its own CA)', () => {
  const provider = new JwksServer(pki);
  const rsa = providerKey('rsa-1', 'RS256');
  const ec = providerKey('ec-1', 'ES256');
  const ed = providerKey('ed-1', 'EdDSA');
  let sb: TestSwitchboard;

  beforeAll(async () => {
    provider.keys = [rsa, ec, ed];
    const url = await provider.listen();
    sb = await startSwitchboard({
      config: { jwtSecrets: [], jwtJwksUrls: [url], jwtJwksCaFile: provider.caFile, jwtJwksCooldownS: 1 },
    });
  }, 60_000);
  afterAll(async () => {
    await sb?.stop();
    await provider.close();
  });

  async function connect(token: string) {
    const socket = await openSocket(sb.wsUrl);
    const reply = await socket.request({ op: 'connect', token });
    socket.close();
    return reply;
  }

  it('verifies RS256, ES256 and EdDSA tokens by kid', async () => {
    expect((await connect(await sign(rsa, 'r'))).result?.user).toBe('r');
    expect((await connect(await sign(ec, 'e'))).result?.user).toBe('e');
    expect((await connect(await sign(ed, 'd'))).result?.user).toBe('d');
  });

  it('pins each key to its algorithm and refuses tokens from unknown keys', async () => {
    // ES256 signature presented under the RSA key's kid.
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: rsa.kid })
      .setSubject('m')
      .setExpirationTime('10m')
      .sign(ec.privateKey);
    expect((await connect(confused)).error?.code).toBe(ErrorCode.TokenInvalid);
    const stranger = providerKey('stranger', 'ES256');
    const socket = await openSocket(sb.wsUrl);
    expect((await socket.request({ op: 'connect', token: await sign(stranger, 'x') })).error?.code).toBe(
      ErrorCode.TokenInvalid,
    );
    expect((await socket.closed).code).toBe(CloseCode.Unauthorized);
  });

  it('re-fetches on unknown kids at most once per cooldown (no fetch storm)', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    const before = provider.fetches;
    const forged = await Promise.all(
      Array.from({ length: 40 }, (_, i) => sign(providerKey(`bogus-${i}`, 'ES256'), 'x')),
    );
    const replies = await Promise.all(forged.map((token) => connect(token)));
    expect(replies.every((r) => r.error?.code === ErrorCode.TokenInvalid)).toBe(true);
    expect(provider.fetches - before).toBeLessThanOrEqual(1);
  });

  it('rotates keys with zero failed connects', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    const next = providerKey('rsa-2', 'RS256');
    let signer = rsa;
    let failures = 0;
    let connects = 0;
    const running = (async () => {
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        const reply = await connect(await sign(signer, 'rotating'));
        connects++;
        if (!reply.result) failures++;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    provider.keys = [rsa, next, ec, ed]; // the provider publishes the new key …
    await new Promise((r) => setTimeout(r, 500));
    signer = next; // … starts signing with it …
    await new Promise((r) => setTimeout(r, 1_000));
    provider.keys = [next, ec, ed]; // … and retires the old one.
    await running;
    expect(connects).toBeGreaterThan(5);
    expect(failures).toBe(0);
  });

  it('keeps serving cached keys while the provider is down, and stays ready', async () => {
    provider.down = true;
    try {
      await new Promise((r) => setTimeout(r, 1_100));
      // An unknown kid makes it try (and fail) to fetch; known keys still verify.
      await connect(await sign(providerKey('unknown-while-down', 'ES256'), 'x'));
      expect((await connect(await sign(ec, 'still'))).result?.user).toBe('still');
      expect((await fetch(`${sb.httpUrl}/readyz`)).status).toBe(200);
    } finally {
      provider.down = false;
    }
  });
});

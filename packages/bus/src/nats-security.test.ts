import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { natsSecurity, splitCredentials } from './nats-security.js';

describe('NATS credentials and TLS', () => {
  it('takes user:pass out of the URL (nats.js would log in as user "")', () => {
    expect(splitCredentials('nats://edge:s%40cret@nats:4222')).toEqual({
      url: 'nats://nats:4222',
      user: 'edge',
      pass: 's@cret',
    });
    expect(splitCredentials('nats://nats:4222')).toEqual({ url: 'nats://nats:4222' });
    const security = natsSecurity(['nats://edge:pw@a:4222', 'tls://b:4222']);
    expect(security.servers).toEqual(['nats://a:4222', 'tls://b:4222']);
    expect(security.method).toBe('url');
    expect(security.authenticator?.('nonce')).toEqual({ user: 'edge', pass: 'pw' });
  });

  it('reads the password file on every (re)connect, so a rotated Secret is picked up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-nats-sec-'));
    const file = join(dir, 'password');
    writeFileSync(file, 'first\n');
    const security = natsSecurity('nats://a:4222', { user: 'sb-edge', passwordFile: file });
    expect(security.authenticator?.('n')).toEqual({ user: 'sb-edge', pass: 'first' });
    writeFileSync(file, 'second');
    expect(security.authenticator?.('n')).toEqual({ user: 'sb-edge', pass: 'second' });
    expect(security.method).toBe('password');
  });

  it('names the setting of a missing file and never its contents', () => {
    expect(() => natsSecurity('nats://a', { user: 'u', passwordFile: '/nonexistent/pw' })).toThrow(
      /SB_NATS_PASSWORD_FILE: cannot read "\/nonexistent\/pw" \(ENOENT\)/,
    );
    expect(() => natsSecurity('nats://a', {}, { caFile: '/nonexistent/ca.pem' })).toThrow(ConfigError);
    expect(() => natsSecurity('nats://a', { user: 'u', nkeySeedFile: '/x' })).toThrow(/only one of/);
  });

  it('turns TLS on with a CA file or tls:// URLs', () => {
    expect(natsSecurity('nats://a').encrypted).toBe(false);
    expect(natsSecurity('tls://a').encrypted).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'sb-nats-sec-'));
    writeFileSync(join(dir, 'ca.pem'), 'x');
    const security = natsSecurity('nats://a', {}, { caFile: join(dir, 'ca.pem') });
    expect(security.tls).toEqual({ caFile: join(dir, 'ca.pem') });
    expect(security.encrypted).toBe(true);
  });
});

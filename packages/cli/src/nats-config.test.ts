import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNkeyUser } from '@switchboard/bus/nats';
import { describe, expect, it } from 'vitest';
import { NatsConfigError, natsConfigText } from './nats-config.js';

describe('switchboard nats-config', () => {
  it('writes every role, reading passwords from $SB_NATS_PASSWORD_<ROLE> by default', () => {
    const text = natsConfigText({});
    for (const role of ['edge', 'auth', 'router', 'presence', 'api', 'backend']) {
      expect(text).toContain(`{ user: "sb-${role}", password: $SB_NATS_PASSWORD_${role.toUpperCase()}`);
    }
  });

  it('takes passwords from files and NKeys from seeds or public keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-nats-config-'));
    writeFileSync(join(dir, 'edge'), 'edge-pw\n');
    expect(natsConfigText({ roles: 'edge', passwords: dir })).toContain(
      '{ user: "sb-edge", password: "edge-pw"',
    );
    const seeded = createNkeyUser();
    const published = createNkeyUser();
    writeFileSync(join(dir, 'auth.nk'), seeded.seed);
    writeFileSync(join(dir, 'router.pub'), published.publicKey);
    const text = natsConfigText({ roles: 'auth,router', nkeys: dir, userPrefix: 'x-' });
    expect(text).toContain(`{ nkey: "${seeded.publicKey}"`);
    expect(text).toContain(`{ nkey: "${published.publicKey}"`);
    expect(text).not.toContain(seeded.seed);
  });

  it('refuses unknown roles and missing files', () => {
    expect(() => natsConfigText({ roles: 'edge,root' })).toThrow(NatsConfigError);
    expect(() => natsConfigText({ roles: 'edge', passwords: '/nonexistent' })).toThrow(/cannot read/);
    expect(() => natsConfigText({ passwords: '/a', nkeys: '/b' })).toThrow(/not both/);
  });
});

/**
 * TLS to NATS and Redis with a private CA the test creates, as the services configure it from
 * SB_NATS_* / SB_REDIS_* settings: mutual TLS to nats-server, `rediss://` with an ACL user and
 * a password file to redis-server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBus } from '@switchboard/bus/nats';
import { openBackends } from '@switchboard/server';
import { loadConfig } from '@switchboard/server/config';
import { silentLogger } from '@switchboard/telemetry';
import {
  createTestPki,
  type NatsServerHandle,
  type RedisServerHandle,
  startNatsServer,
  startRedisServer,
  type TestPki,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('TLS to NATS and Redis with a private CA', () => {
  let dir: string;
  let pki: TestPki;
  let nats: NatsServerHandle;
  let redis: RedisServerHandle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-tls-'));
    pki = await createTestPki(join(dir, 'pki'));
    const tls = { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile };
    [nats, redis] = await Promise.all([
      startNatsServer({ tls: { ...tls, verifyClients: true } }),
      startRedisServer({ tls, user: { name: 'switchboard', password: 'redis-pw' } }),
    ]);
    writeFileSync(join(dir, 'redis-password'), 'redis-pw\n', { mode: 0o600 });
    writeFileSync(join(dir, 'wrong-password'), 'nope\n', { mode: 0o600 });
  });
  afterAll(async () => {
    await Promise.all([nats?.stop(), redis?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects to nats-server with mutual TLS, and not without the client certificate', async () => {
    const bus = await NatsBus.connect({
      servers: nats.url,
      tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
    });
    const got = new Promise<string>((resolve) =>
      bus.subscribe('sb.tls.check', (msg) => resolve(new TextDecoder().decode(msg.data))),
    );
    await bus.flush();
    bus.publish('sb.tls.check', new TextEncoder().encode('encrypted'));
    expect(await got).toBe('encrypted');
    await bus.close();
    await expect(
      NatsBus.connect({ servers: nats.url, tls: { caFile: pki.caFile }, connectTimeoutMs: 2_000 }),
    ).rejects.toThrow(/NATS connection/);
    await expect(NatsBus.connect({ servers: nats.url, connectTimeoutMs: 2_000 })).rejects.toThrow(
      /NATS connection/,
    );
  });

  it('opens Redis over rediss:// with SB_REDIS_CA_FILE, an ACL user and a password file', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const ready = async (passwordFile: string) => {
      const config = loadConfig(
        {
          SB_STORE: 'redis',
          SB_REDIS_URL: redis.url,
          SB_REDIS_CA_FILE: pki.caFile,
          SB_REDIS_USER: 'switchboard',
          SB_REDIS_PASSWORD_FILE: passwordFile,
        },
        'router',
      );
      const backends = await openBackends(config, silentLogger(), 'tls-test');
      backends.rateLimits(); // opens the Redis link
      let problems = backends.problems();
      for (let i = 0; i < 40 && problems.length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        problems = backends.problems();
      }
      await backends.close();
      return problems;
    };
    expect(await ready(join(dir, 'redis-password'))).toEqual([]);
    expect((await ready(join(dir, 'wrong-password')))[0]).toMatch(/^redis /);
  });
});

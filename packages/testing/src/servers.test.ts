import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBus } from '@switchboard/bus/nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer, startRedisServer } from './servers.js';

let nats: NatsServerHandle;

beforeAll(async () => {
  nats = await startNatsServer();
});

afterAll(async () => {
  await nats?.stop();
});

describe('server harness', () => {
  it('says which Debian package to install when a binary is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'sb-empty-path-'));
    try {
      await expect(startNatsServer({ env: { PATH: empty } })).rejects.toThrow(/apt-get install nats-server/);
      await expect(startRedisServer({ env: { PATH: empty } })).rejects.toThrow(
        /apt-get install redis-server/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('hands back an existing server from NATS_URL / REDIS_URL and refuses to kill it', async () => {
    const external = await startNatsServer({ env: { NATS_URL: nats.url } });
    expect(external).toMatchObject({ url: nats.url, port: nats.port, owned: false, pid: undefined });
    await expect(external.kill()).rejects.toThrow(/not owned/);
    await expect(external.restart()).rejects.toThrow(/not owned/);
    await external.stop();
    const redisExternal = await startRedisServer({ env: { REDIS_URL: 'redis://127.0.0.1:6390' } });
    expect(redisExternal.port).toBe(6390);
    await expect(redisExternal.kill()).rejects.toThrow(/not owned/);
    // Still running: stop() on an external handle does nothing.
    const bus = await NatsBus.connect({ servers: nats.url });
    await bus.close();
  });

  it('kills the process on stop()', async () => {
    const server = await startRedisServer();
    const pid = server.pid!;
    expect(isAlive(pid)).toBe(true);
    await server.stop();
    await server.stop();
    expect(isAlive(pid)).toBe(false);
    expect(server.pid).toBeUndefined();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

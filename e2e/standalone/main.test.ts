import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEV_JWT_SECRET, TokenVerifier } from '@switchboard/auth';
import { CloseCode } from '@switchboard/protocol';
import { connectSocket, spawnTsx } from '@switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
/** `pnpm start`. */
const MAIN = '../../services/standalone/src/main.ts';
/** `pnpm token` is the CLI's token command. */
const CLI = '../../packages/cli/src/main.ts';
const children: ChildProcess[] = [];

function run(file: string, args: string[], env: Record<string, string>) {
  const proc = spawnTsx(here(file), args, env);
  children.push(proc.child);
  return proc;
}

async function until<T>(probe: () => T | undefined, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

// Spawning tsx processes is slow on a loaded 2-core box: generous per-test limits.
describe('pnpm start (services/standalone/src/main.ts)', { timeout: 90_000 }, () => {
  it('refuses bad configuration with a message that says what to fix, exit code 78', async () => {
    const proc = run(MAIN, [], { SB_WS_PROT: '1', SB_HTTP_PORT: 'ninety' });
    expect(await proc.exited).toBe(78);
    expect(proc.stderr()).toContain('SB_WS_PROT is not a Switchboard setting — did you mean SB_WS_PORT?');
    expect(proc.stderr()).toContain('SB_HTTP_PORT="ninety" must be a whole number');
  });

  it('serves authenticated rooms with the dev secret, then drains on SIGTERM and exits 0', async () => {
    const proc = run(MAIN, [], {
      SB_WS_HOST: '127.0.0.1',
      SB_WS_PORT: '0',
      SB_HTTP_HOST: '127.0.0.1',
      SB_HTTP_PORT: '0',
      SB_DRAIN_MS: '200',
      SB_GRPC_PORT: '0',
    });
    const ready = await until(
      () =>
        /"websocket":"ws:\/\/127\.0\.0\.1:(\d+)","health":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(
          proc.stdout(),
        ) ?? undefined,
    );
    expect(proc.stdout()).toContain('development JWT secret');
    const token = run(CLI, ['token', '--user', 'alice', '--rooms', 'chat:*'], {});
    expect(await token.exited).toBe(0);
    const socket = await connectSocket(`ws://127.0.0.1:${ready[1]}`, token.stdout().trim());
    expect((await socket.call({ op: 'join', room: 'chat:lobby' })).room).toBe('chat:lobby');
    expect((await fetch(`http://127.0.0.1:${ready[2]}/readyz`)).status).toBe(200);
    proc.child.kill('SIGTERM');
    expect((await socket.closed).code).toBe(CloseCode.Shutdown);
    expect(await proc.exited).toBe(0);
  });
});

describe('OpenTelemetry export', { timeout: 90_000 }, () => {
  it('exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const posts: string[] = [];
    const collector = createServer((req, res) => {
      posts.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    try {
      const proc = run(MAIN, [], {
        SB_WS_HOST: '127.0.0.1',
        SB_WS_PORT: '0',
        SB_HTTP_HOST: '127.0.0.1',
        SB_HTTP_PORT: '0',
        SB_GRPC_PORT: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
      const ready = await until(
        () => /"websocket":"ws:\/\/127\.0\.0\.1:(\d+)"/.exec(proc.stdout()) ?? undefined,
      );
      expect(proc.stdout()).toContain('OpenTelemetry tracing on');
      const token = run(CLI, ['token', '--user', 'otel', '--rooms', '*'], {});
      expect(await token.exited).toBe(0);
      const socket = await connectSocket(`ws://127.0.0.1:${ready[1]}`, token.stdout().trim());
      await socket.call({ op: 'publish', room: 'traced', event: 'e' });
      await until(() => (posts.includes('/v1/traces') ? true : undefined), 20_000);
      socket.close();
    } finally {
      collector.closeAllConnections();
      collector.close();
    }
  });
});

describe('pnpm token (the CLI token command)', { timeout: 60_000 }, () => {
  it('prints a dev token with the requested grants and name', async () => {
    const proc = run(
      CLI,
      ['token', '--user', 'bob', '--rooms', 'chat:*', '--publish', 'dm:{user}', '--name', 'Bob'],
      {},
    );
    expect(await proc.exited).toBe(0);
    const identity = await new TokenVerifier({ secrets: [DEV_JWT_SECRET] }).verify(proc.stdout().trim());
    expect(identity).toMatchObject({
      user: 'bob',
      grants: { join: ['chat:*'], publish: ['chat:*', 'dm:{user}'] },
      meta: { name: 'Bob' },
    });
  });

  it('explains its usage when --user is missing', async () => {
    const proc = run(CLI, ['token'], {});
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toContain('--user <id>');
  });
});

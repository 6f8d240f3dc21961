/**
 * The production bundle (scripts/bundle.ts, `pnpm bundle`) is what the container image runs
 * (the Dockerfile copies dist/ and nothing else). Here it is built into a temp dir outside the
 * repository — no node_modules above it, no tsx — and run with plain `node`: all-in-one, and as
 * the separate processes of a cluster configured the way the Helm chart configures them
 * (SB_ENV=production, the edge and the API with no Redis link) against real nats-server and
 * redis-server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintToken } from '@switchboard/auth';
import { CloseCode } from '@switchboard/protocol';
import {
  connectSocket,
  type NatsServerHandle,
  type RedisServerHandle,
  startNatsServer,
  startRedisServer,
} from '@switchboard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundle, ENTRIES, ROLES } from '../../scripts/bundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'bundle-test-secret-0123456789abcdef-0123456789';
const API_KEY = 'bundle-test-api-key-0123456789abcdef-0123456789';
const OPTIONAL_REQUIRES = new Set(['bufferutil', 'utf-8-validate', 'supports-color']);

let dist = '';
const children: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
}

/** Runs `node <dist>/main.mjs` as the given role, with ONLY the given environment (and PATH). */
function start(role: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [join(dist, 'main.mjs')], {
    cwd: tmpdir(),
    env: { PATH: process.env['PATH'] ?? '', SWITCHBOARD_ROLE: role, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += String(d);
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += String(d);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, out: () => out };
}

async function until<T>(
  what: string,
  probe: () => T | undefined,
  proc: Proc,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (proc.child.exitCode !== null)
      throw new Error(`process exited while waiting for ${what}:\n${proc.out()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${proc.out()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const portOf = (proc: Proc, key: 'health' | 'websocket') =>
  until(
    `${key} port`,
    () => {
      const m = new RegExp(`"${key}":"(?:http|ws)://127\\.0\\.0\\.1:(\\d+)"`).exec(proc.out());
      return m ? Number(m[1]) : undefined;
    },
    proc,
  );

async function waitReady(httpPort: number, proc: Proc): Promise<void> {
  let last = '';
  await until(
    `/readyz on ${httpPort}`,
    () => {
      void fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
        async (res) => {
          last = res.status === 200 ? 'ready' : await res.text();
        },
        () => {},
      );
      return last === 'ready' ? true : undefined;
    },
    proc,
  );
}

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'sb-dist-'));
  await bundle({ outdir: dist });
}, 60_000);

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe('production bundle (dist/, as in the container image)', () => {
  it('is self-contained: an entry per role, only Node built-ins imported, a minimal package.json', () => {
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' });
    for (const role of ROLES) expect(files).toContain(`${role}.mjs`);
    for (const name of Object.keys(ENTRIES)) expect(files).toContain(`${name}.mjs`);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const bare: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.mjs'))) {
      const code = readFileSync(join(dist, file), 'utf8');
      // Static imports/re-exports (minified: several per line) and dynamic import("…").
      const specifiers = [
        ...code.matchAll(/(?:^|[;}\n])\s*(?:import|export)\b[^;"'`]*?from\s*["']([^"']+)["']/g),
        ...code.matchAll(/(?:^|[;}\n])\s*import\s*["']([^"']+)["']/g),
        ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ].map((m) => m[1]!);
      for (const spec of specifiers) {
        if (!spec.startsWith('.') && !builtins.has(spec)) bare.push(`${file}: ${spec}`);
      }
      // require() calls esbuild left to run time: Node built-ins, or optional packages that
      // their callers load inside try/catch (ws's native helpers, debug's colours).
      for (const m of code.matchAll(/__require\("([^"]+)"\)/g)) {
        const spec = m[1]!;
        if (!builtins.has(spec) && !OPTIONAL_REQUIRES.has(spec)) bare.push(`${file}: require ${spec}`);
      }
    }
    expect(bare).toEqual([]);
    expect(JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8'))).toMatchObject({
      type: 'module',
      private: true,
    });
  });

  it('the Dockerfile builds this bundle and runs it with tini as a non-root user', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile/);
    expect(dockerfile).toMatch(/pnpm bundle/);
    expect(dockerfile).toMatch(/COPY --from=build [^\n]*\/src\/dist\/ \/app\//);
    expect(dockerfile).toMatch(/^USER \d+:\d+$/m);
    expect(dockerfile).not.toMatch(/^USER 0/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["tini", "--", "node"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["\/app\/main\.mjs"\]$/m);
    const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(rootPackage.scripts['bundle']).toBe('tsx scripts/bundle.ts');
  });

  it('all-in-one: serves an authenticated WebSocket, /readyz, then drains on SIGTERM and exits 0', async () => {
    const proc = start('standalone', {
      SB_WS_HOST: '127.0.0.1',
      SB_WS_PORT: '0',
      SB_HTTP_HOST: '127.0.0.1',
      SB_HTTP_PORT: '0',
      SB_GRPC_HOST: '127.0.0.1',
      SB_GRPC_PORT: '0',
      SB_DRAIN_MS: '200',
      SB_JWT_SECRETS: SECRET,
    });
    const ws = await portOf(proc, 'websocket');
    const http = await portOf(proc, 'health');
    await waitReady(http, proc);
    const socket = await connectSocket(
      `ws://127.0.0.1:${ws}`,
      mintToken(SECRET, { user: 'alice', join: ['chat:*'], publish: ['chat:*'] }),
    );
    await socket.call({ op: 'join', room: 'chat:lobby' });
    const sent = await socket.call({ op: 'publish', room: 'chat:lobby', event: 'say', data: { text: 'hi' } });
    expect((await socket.push('msg')).offset).toBe(sent.offset);
    proc.child.kill('SIGTERM');
    expect((await socket.closed).code).toBe(CloseCode.Shutdown);
    expect(await proc.exited).toBe(0);
  });

  describe('cluster roles, configured as the Helm chart does', () => {
    let nats: NatsServerHandle;
    let redis: RedisServerHandle;
    beforeAll(async () => {
      [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
    });
    afterAll(async () => {
      await Promise.all([nats?.stop(), redis?.stop()]);
    });

    it('edge, auth, router, presence and api start, get ready, serve a client and exit 0 on SIGTERM', async () => {
      const common = {
        SB_ENV: 'production',
        // Plain loopback servers: the bus-security rules are covered by e2e/security.
        SB_BUS_INSECURE: 'true',
        SB_BUS: 'nats',
        SB_NATS_URL: nats.url,
        SB_HTTP_HOST: '127.0.0.1',
        SB_HTTP_PORT: '0',
        SB_JWT_SECRETS: SECRET,
        SB_LOG_LEVEL: 'info',
      };
      const services = { SB_STORE: 'redis', SB_REDIS_URL: redis.url };
      const procs = {
        auth: start('auth', { ...common, ...services, SB_NODE_ID: 'auth-0' }),
        router: start('router', { ...common, ...services, SB_NODE_ID: 'router-0' }),
        presence: start('presence', { ...common, ...services, SB_NODE_ID: 'presence-0' }),
        // The edge and the API as the chart runs them: no Redis link at all.
        edge: start('edge', {
          ...common,
          SB_STORE: 'memory',
          SB_NODE_ID: 'edge-0',
          SB_WS_HOST: '127.0.0.1',
          SB_WS_PORT: '0',
          SB_DRAIN_MS: '300',
        }),
        api: start('api', {
          ...common,
          SB_STORE: 'memory',
          SB_NODE_ID: 'api-0',
          SB_GRPC_HOST: '127.0.0.1',
          SB_GRPC_PORT: '0',
          SB_API_KEYS: API_KEY,
        }),
      };
      const http: Record<string, number> = {};
      for (const [name, proc] of Object.entries(procs)) http[name] = await portOf(proc, 'health');
      await Promise.all(Object.entries(procs).map(([name, proc]) => waitReady(http[name]!, proc)));

      const ws = await portOf(procs.edge, 'websocket');
      const token = (user: string) => mintToken(SECRET, { user, join: ['chat:*'], publish: ['chat:*'] });
      const alice = await connectSocket(`ws://127.0.0.1:${ws}`, token('alice'));
      const bob = await connectSocket(`ws://127.0.0.1:${ws}`, token('bob'));
      await alice.call({ op: 'join', room: 'chat:k8s' });
      await bob.call({ op: 'join', room: 'chat:k8s' });
      const sent = await alice.call({
        op: 'publish',
        room: 'chat:k8s',
        event: 'say',
        data: { text: 'hello' },
      });
      const got = await bob.push('msg');
      expect(got).toMatchObject({ room: 'chat:k8s', offset: sent.offset, data: { text: 'hello' } });
      const metrics = await (await fetch(`http://127.0.0.1:${http['edge']}/metrics`)).text();
      expect(metrics).toMatch(/^switchboard_edge_connections 2$/m);

      for (const proc of Object.values(procs)) proc.child.kill('SIGTERM');
      expect((await alice.closed).code).toBe(CloseCode.Shutdown);
      const codes = await Promise.all(Object.values(procs).map((p) => p.exited));
      expect(codes).toEqual([0, 0, 0, 0, 0]);
      // The edge never connected to Redis: nothing in its log about it.
      expect(procs.edge.out()).not.toMatch(/redis/i);
    }, 60_000);
  });
});

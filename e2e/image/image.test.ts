/**
 * The container image, run the way Kubernetes runs it: read-only root filesystem, uid/gid 1000,
 * no capabilities. Built by scripts/image-build.sh (CI's image stage); these tests run only when
 * SWITCHBOARD_IMAGE names it, and start it with podman (CONTAINERS_CONF from
 * scripts/image-env.sh) on the host network, bound to 127.0.0.1 on ports the kernel picks.
 *
 *   bash scripts/image-build.sh switchboard:dev
 *   source scripts/image-env.sh && SWITCHBOARD_IMAGE=switchboard:dev pnpm vitest run e2e/image
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { CloseCode } from '@switchboard/protocol';
import { connectSocket } from '@switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';

const IMAGE = process.env['SWITCHBOARD_IMAGE'];
const PODMAN = process.env['PODMAN'] ?? 'podman';
const SECRET = 'image-test-secret-0123456789abcdef-0123456789';
const run = promisify(execFile);

/** What every container here gets: how the Helm chart's securityContext runs the image. */
const LOCKED_DOWN = [
  '--rm',
  '--read-only',
  '--user',
  '1000:1000',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
];

interface Container {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
}

const containers: Container[] = [];

/** `podman run` in the foreground: its exit code is the container's. */
function start(env: Record<string, string>, args: string[] = []): Container {
  const name = `sb-image-test-${process.pid}-${containers.length}`;
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const child = spawn(
    PODMAN,
    ['run', ...LOCKED_DOWN, '--name', name, '--network', 'host', ...envArgs, IMAGE!, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const append = (d: Buffer) => {
    out += String(d);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const container = { name, child, exited, out: () => out };
  containers.push(container);
  return container;
}

/** A one-off command in a fresh container (no network): its stdout. */
async function oneOff(args: string[]): Promise<string> {
  const { stdout } = await run(PODMAN, ['run', ...LOCKED_DOWN, '--network', 'none', IMAGE!, ...args], {
    timeout: 60_000,
  });
  return stdout;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, c: Container, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (c.child.exitCode !== null) throw new Error(`container exited while waiting for ${what}:\n${c.out()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${c.out()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The port a listener logged on start (`"websocket":"ws://127.0.0.1:…"`, `"health":"http://…"`). */
const portOf = (c: Container, key: 'health' | 'websocket') =>
  until(
    `${key} port`,
    async () => {
      const m = new RegExp(`"${key}":"(?:http|ws)://127\\.0\\.0\\.1:(\\d+)"`).exec(c.out());
      return m ? Number(m[1]) : undefined;
    },
    c,
  );

afterEach(async () => {
  for (const c of containers.splice(0)) {
    if (c.child.exitCode === null)
      await run(PODMAN, ['rm', '--force', '--time', '0', c.name]).catch(() => {});
  }
});

describe.skipIf(!IMAGE)(`container image ${IMAGE ?? '(set SWITCHBOARD_IMAGE)'}`, () => {
  it('runs Node 24 as uid 1000 under tini, with no shell and no package manager', async () => {
    const { stdout } = await run(PODMAN, [
      'image',
      'inspect',
      '--format',
      '{{json .Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}',
      IMAGE!,
    ]);
    expect(stdout.trim()).toBe('"1000:1000" ["tini","--","node"] ["/app/main.mjs"]');
    const facts = JSON.parse(
      await oneOff([
        '-p',
        "JSON.stringify({ node: process.versions.node, uid: process.getuid(), gid: process.getgid(), npm: require('node:fs').existsSync('/usr/local/lib/node_modules/npm') })",
      ]),
    ) as { node: string; uid: number; gid: number; npm: boolean };
    expect(facts).toMatchObject({ uid: 1000, gid: 1000, npm: false });
    expect(Number(facts.node.split('.')[0])).toBe(24);
    // Read-only root filesystem: nothing to write to, not even as the owner of nothing.
    expect(
      (
        await oneOff([
          '-e',
          "try { require('node:fs').writeFileSync('/app/x', 'x') } catch (e) { console.log(e.code) }",
        ])
      ).trim(),
    ).toBe('EROFS');
    // No shell to start.
    const shell = await run(PODMAN, [
      'run',
      ...LOCKED_DOWN,
      '--network',
      'none',
      '--entrypoint',
      '/bin/sh',
      IMAGE!,
      '-c',
      'true',
    ]).then(
      () => 'ran',
      () => 'refused',
    );
    expect(shell).toBe('refused');
  });

  it('all-in-one, read-only as uid 1000: health, 426 on plain HTTP, a client joins and publishes, SIGTERM drains with 4000 and exits 0', async () => {
    // The image's own CLI mints the development token.
    const token = (
      JSON.parse(
        await oneOff([
          '/app/switchboard.mjs',
          'token',
          '--user',
          'alice',
          '--join',
          'chat:*',
          '--publish',
          'chat:*',
          '--secret',
          SECRET,
          '--json',
        ]),
      ) as { token: string }
    ).token;

    const c = start({
      SB_WS_HOST: '127.0.0.1',
      SB_WS_PORT: '0',
      SB_HTTP_HOST: '127.0.0.1',
      SB_HTTP_PORT: '0',
      SB_GRPC_HOST: '127.0.0.1',
      SB_GRPC_PORT: '0',
      SB_DRAIN_MS: '500',
      SB_JWT_SECRETS: SECRET,
    });
    const http = await portOf(c, 'health');
    const ws = await portOf(c, 'websocket');
    expect((await fetch(`http://127.0.0.1:${http}/healthz`)).status).toBe(200);
    await until(
      '/readyz 200',
      async () => ((await fetch(`http://127.0.0.1:${http}/readyz`)).ok ? true : undefined),
      c,
    );

    const plain = await fetch(`http://127.0.0.1:${ws}/`);
    expect(plain.status).toBe(426);
    expect(plain.headers.get('upgrade')).toBe('websocket');

    const socket = await connectSocket(`ws://127.0.0.1:${ws}`, token);
    await socket.call({ op: 'join', room: 'chat:image' });
    const sent = await socket.call({ op: 'publish', room: 'chat:image', event: 'say', data: { text: 'hi' } });
    expect(await socket.push('msg')).toMatchObject({
      room: 'chat:image',
      offset: sent.offset,
      data: { text: 'hi' },
    });

    const stoppedAt = Date.now();
    await run(PODMAN, ['kill', '--signal', 'TERM', c.name]);
    expect((await socket.closed).code).toBe(CloseCode.Shutdown);
    expect(await c.exited).toBe(0);
    // The drain window (500 ms) plus shutdown, well inside Kubernetes' 30 s grace period.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  }, 90_000);
});

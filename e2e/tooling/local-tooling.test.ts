import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canBind } from '@switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `pnpm start` and `pnpm cluster` as a developer uses them: the root scripts' own commands,
 * in their own process group, stopped with SIGINT to the whole group as a terminal's Ctrl-C does.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scripts = (
  JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }
).scripts;

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
});

/** Runs a root package.json script's command the way pnpm would (sh -c, node_modules/.bin on PATH). */
function runScript(name: string, args: string[], env: Record<string, string> = {}): Run {
  const command = scripts[name];
  if (command === undefined) throw new Error(`no script "${name}"`);
  // `exec`: the exit status is the entry's own, not a shell's that the SIGINT also reached.
  const child = spawn('sh', ['-c', `exec ${command} ${args.join(' ')}`], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${ROOT}node_modules/.bin:${process.env['PATH'] ?? ''}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

const handedOut = new Set<number>();
/**
 * The first of `count` consecutive free ports, outside the ephemeral range (the cluster takes
 * consecutive ports from a first one), never handed out twice.
 */
async function freePorts(count = 1): Promise<number> {
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 10_000);
    const range = Array.from({ length: count }, (_, i) => first + i);
    if (range.some((port) => handedOut.has(port))) continue;
    if ((await Promise.all(range.map(canBind))).every(Boolean)) {
      for (const port of range) handedOut.add(port);
      return first;
    }
  }
}
const freePort = () => freePorts(1);

/** Ctrl-C: SIGINT to every process of the group at once. */
function ctrlC(run: Run): void {
  if (run.child.pid) process.kill(-run.child.pid, 'SIGINT');
}

async function until<T>(run: Run, what: string, probe: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`timed out waiting for ${what}\n${run.stdout()}\n${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('local tooling', { timeout: 180_000 }, () => {
  it('pnpm start runs the entry directly and exits 0 on Ctrl-C after a clean shutdown', async () => {
    expect(scripts['start']).not.toMatch(/pnpm\s+--filter/);
    const run = runScript('start', [], {
      SB_WS_HOST: '127.0.0.1',
      SB_WS_PORT: String(await freePort()),
      SB_HTTP_HOST: '127.0.0.1',
      SB_HTTP_PORT: String(await freePort()),
      SB_GRPC_HOST: '127.0.0.1',
      SB_GRPC_PORT: String(await freePort()),
      SB_DRAIN_MS: '200',
    });
    await until(run, 'the ready line', () =>
      run.stdout().includes('Switchboard is ready') ? true : undefined,
    );
    ctrlC(run);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('"msg":"stopped"');
    expect(run.stderr()).not.toContain('ERR_PNPM');
    expect(run.stdout()).not.toContain('ERR_PNPM');
  });

  it('pnpm cluster starts the api service, reports a child killed with -9 on stderr, and exits 0 on Ctrl-C', async () => {
    const grpcPort = await freePort();
    const wsPort = await freePort();
    const run = runScript('cluster', [
      '--edges',
      '1',
      '--routers',
      '1',
      '--ws-port',
      String(wsPort),
      '--stats-port',
      String(await freePort()),
      '--edge-port',
      String(await freePorts(1)),
      '--http-port',
      String(await freePorts(5)),
      '--grpc-port',
      String(grpcPort),
      '--redis-port',
      String(await freePort()),
    ]);
    await until(run, 'the cluster to be ready', () =>
      run.stdout().includes('Ctrl-C stops everything') ? true : undefined,
    );
    const out = run.stdout();
    expect(out).toMatch(new RegExp(`api-1 +\\d+ +grpc ${grpcPort}, http \\d+ +yes`));
    expect(out).toContain(`export SWITCHBOARD_GRPC=127.0.0.1:${grpcPort} SWITCHBOARD_API_KEY=`);
    expect(out).toContain(`SWITCHBOARD_URL=ws://127.0.0.1:${wsPort}`);

    const redisPid = Number(/^redis-server +(\d+)/m.exec(out)?.[1]);
    expect(redisPid).toBeGreaterThan(0);
    process.kill(redisPid, 'SIGKILL');
    const report = await until(
      run,
      'the report of the dead redis-server',
      () =>
        /!!! redis-server DIED \(killed by SIGKILL[^\n]*\n--- last lines of its log ---\n[\s\S]*?\n---/.exec(
          run.stderr(),
        )?.[0],
    );
    // The report carries the child's last log lines.
    expect(report).toContain('Ready to accept connections');

    ctrlC(run);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('Stopped.');
    expect(run.stderr()).not.toContain('ERR_PNPM');
    // Stopping the cluster on purpose is not reported as deaths.
    expect(run.stderr().match(/DIED/g)).toHaveLength(1);
  });
});

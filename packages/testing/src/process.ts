import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants as fsConstants, fstatSync, openSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * Child processes of the test harness (servers.ts, cluster.ts): spawned with their output in a
 * log file, and never outliving the test process — an exit hook kills them on a normal exit,
 * and a watchdog per child (see `guard`) when this process dies any other way. Also the free
 * port and binary look-ups both need, and `spawnTsx` for tests that run an entry point.
 */

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnLoggedOptions {
  /** Receives the child's stdout and stderr, appended. */
  logFile: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Its own process group (a Ctrl-C in the terminal does not reach it directly). */
  detached?: boolean;
}

/** Why a process could not be started, when it could not. */
const spawnErrors = new WeakMap<ChildProcess, Error>();

/** The error that kept `child` from starting (e.g. EACCES), if one did. */
export function spawnError(child: ChildProcess): Error | undefined {
  return spawnErrors.get(child);
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || spawnErrors.has(child);
}

/**
 * Spawns `command` with stdin closed and stdout and stderr appended to `logFile`, guarded so
 * it cannot outlive this process and unref'd so a forgotten stop() does not keep this process
 * alive. `logStart` is the log's size before the child wrote anything: its output starts there.
 */
export function spawnLogged(
  command: string,
  args: readonly string[],
  options: SpawnLoggedOptions,
): { child: ChildProcess; logStart: number } {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  let logStart: number;
  try {
    logStart = fstatSync(fd).size;
    child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', fd, fd],
      ...(options.env !== undefined ? { env: options.env } : {}),
      ...(options.detached !== undefined ? { detached: options.detached } : {}),
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
  // Without a listener a failed spawn (e.g. EACCES) would be an uncaught 'error' event.
  child.on('error', (error) => spawnErrors.set(child, error));
  child.unref();
  track(child);
  guard(child);
  return { child, logStart };
}

/**
 * Resolves with how `child` exited (null and null when it could not start), once it has.
 * `onExit` runs first, as soon as the exit is seen.
 */
export function exitOf(child: ChildProcess, onExit?: (info: ExitInfo) => void): Promise<ExitInfo> {
  return new Promise<ExitInfo>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      const info = { code, signal };
      onExit?.(info);
      resolve(info);
    };
    if (hasExited(child)) done(child.exitCode, child.signalCode);
    else {
      child.once('exit', done);
      child.once('error', () => done(null, null));
    }
  });
}

/** Sends `signal` and resolves once `child` has exited (at once if it already has). */
export function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (!child.kill(signal) && hasExited(child)) resolve();
  });
}

/** Every process the harness started and has not seen exit: killed when this process exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A safety net for a test that never calls stop(): 'exit' handlers must be synchronous,
    // and kill() is.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/**
 * Test runners often end workers with a signal (vitest: SIGTERM), and then no 'exit' handler
 * runs. So each child gets a watchdog shell blocked reading a pipe from this process: when
 * this process dies for any reason (a signal, a crash, kill -9) the kernel closes the pipe,
 * `read` returns and the shell kills the child. The watchdog goes away with the child.
 */
function guard(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const watchdog = spawn('/bin/sh', ['-c', 'read -r _; kill -KILL "$0" 2>/dev/null', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => {
    // No /bin/sh: only the exit hook remains as a safety net.
  });
  watchdog.unref();
  const pipe = watchdog.stdin;
  if (pipe instanceof Socket) pipe.unref();
  child.once('exit', () => {
    // Killed before the pipe closes, so it cannot hit a recycled pid.
    watchdog.kill('SIGKILL');
    pipe?.destroy();
  });
}

/** A TypeScript entry point run by `spawnTsx`. */
export interface TsxProcess {
  readonly child: ChildProcess;
  /** Its exit code once it has exited (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** All it has written to stdout so far. */
  stdout(): string;
  /** All it has written to stderr so far. */
  stderr(): string;
}

/**
 * Runs `node --import tsx <file> ...args` as a user would, with no environment but PATH and
 * `env`, collecting its output. Not guarded like `spawnLogged`: the caller kills it.
 */
export function spawnTsx(
  file: string,
  args: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): TsxProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += String(d);
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** The OS picks a free port; the listener is closed right away so a server can bind it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** Whether a loopback port can be listened on now. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Debian installs nats-server and haproxy in /usr/sbin, which a non-root PATH usually lacks,
 * so the process's own PATH is searched with the sbin directories added. An injected
 * environment is taken literally (that is how a test simulates a missing binary).
 */
export function searchPath(env: Readonly<Record<string, string | undefined>>): string {
  const path = env['PATH'] ?? '';
  if (env !== process.env) return path;
  return [path, '/usr/local/sbin', '/usr/sbin', '/sbin'].join(delimiter);
}

/** The first executable `name` in the directories of `path`. */
export async function findBinary(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import {
  type ExitInfo,
  exitOf,
  findBinary,
  freePort,
  hasExited,
  killAndWait,
  searchPath,
  spawnError,
  spawnLogged,
} from './process.js';

/**
 * Real `nats-server` and `redis-server` processes for integration tests, each on a free
 * loopback port, logging to a temp file (not the test's stdout). With `NATS_URL` / `REDIS_URL`
 * set, the handles point at those servers instead and refuse to kill or restart them.
 */

export interface ServerHandle {
  /** `nats://127.0.0.1:<port>` or `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Process id of the running server; undefined for an external server or while it is down. */
  readonly pid: number | undefined;
  /** False for a server from NATS_URL / REDIS_URL, which the harness must not touch. */
  readonly owned: boolean;
  /** Server output (stdout and stderr) of every run; undefined for an external server. */
  readonly logFile: string | undefined;
  /** Exits nobody asked for (not `kill`, `restart` or `stop`): a crash, or someone's kill -9. */
  readonly unexpectedExits: readonly ExitInfo[];
  /** Kills the process (default SIGKILL, i.e. a crash) and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (killing it first if it runs) and waits until it answers. */
  restart(): Promise<void>;
  /** Stops it for good and removes its temp dir. Idempotent; does nothing for an external server. */
  stop(): Promise<void>;
}

export interface NatsServerHandle extends ServerHandle {}

/** Redis runs without persistence: after `kill` + `restart` it is EMPTY, as after losing its data. */
export interface RedisServerHandle extends ServerHandle {}

export interface StartServerOptions {
  /**
   * Environment read instead of `process.env`: `PATH` to find the binary, `NATS_URL` /
   * `REDIS_URL` to use an existing server. Lets a test simulate a missing binary without
   * touching the process environment.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the server to answer. */
  startTimeoutMs?: number;
  /** A fixed port (default: a free one). */
  port?: number;
}

/** Server-side TLS: certificate and key, and the CA that signed client certificates. */
export interface ServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Require a client certificate signed by `caFile` (mutual TLS). Default false. */
  verifyClients?: boolean;
}

export interface NatsServerOptions extends StartServerOptions {
  /** TLS on the client port (clients then need the CA: `SB_NATS_CA_FILE`). */
  tls?: ServerTls;
  /** Config text added to the server's config, e.g. an `authorization { users = [...] }` block. */
  authorization?: string;
}

export interface RedisServerOptions extends StartServerOptions {
  /** TLS only (no plaintext port); the URL becomes `rediss://`. */
  tls?: ServerTls;
  /** An ACL user with every permission; the default user is then switched off. */
  user?: { name: string; password: string };
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const env = options.env ?? process.env;
  const external = env['NATS_URL'];
  if (external) return externalHandle('NATS_URL', external, 4222);
  const { tls, authorization } = options;
  return startOwned(
    {
      binary: 'nats-server',
      debianPackage: 'nats-server',
      scheme: 'nats',
      args: (port, dir) => {
        if (!tls && authorization === undefined) return ['-a', '127.0.0.1', '-p', String(port)];
        const file = join(dir, 'nats-server.conf');
        writeFileSync(file, natsConfig(port, tls, authorization), { mode: 0o600 });
        return ['-c', file];
      },
      // nats-server greets every client with INFO before anything is sent.
      probe: { send: undefined, expect: 'INFO ' },
      readyLine: 'Server is ready',
    },
    env,
    options.startTimeoutMs ?? 10_000,
    options.port,
  );
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const env = options.env ?? process.env;
  const external = env['REDIS_URL'];
  if (external) return externalHandle('REDIS_URL', external, 6379);
  const { tls, user } = options;
  return startOwned(
    {
      binary: 'redis-server',
      debianPackage: 'redis-server',
      scheme: tls ? 'rediss' : 'redis',
      args: (port, dir) => [
        ...(tls
          ? [
              '--port',
              '0',
              '--tls-port',
              String(port),
              '--tls-cert-file',
              tls.certFile,
              '--tls-key-file',
              tls.keyFile,
              '--tls-ca-cert-file',
              tls.caFile,
              '--tls-auth-clients',
              tls.verifyClients ? 'yes' : 'no',
            ]
          : ['--port', String(port)]),
        ...(user
          ? ['--user', 'default', 'off', '--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all']
          : []),
        '--bind',
        '127.0.0.1',
        // No RDB/AOF: a restart comes back empty, and nothing is written next to the tests.
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      // Redis accepts connections before it can serve (while loading); PONG means ready.
      probe: user
        ? { send: `AUTH ${user.name} ${user.password}\r\nPING\r\n`, expect: '+OK\r\n+PONG', tls }
        : { send: 'PING\r\n', expect: '+PONG', tls },
      readyLine: 'Ready to accept connections',
    },
    env,
    options.startTimeoutMs ?? 10_000,
    options.port,
  );
}

interface ServerKind {
  binary: string;
  debianPackage: string;
  scheme: string;
  args: (port: number, dir: string) => string[];
  probe: ProbeCheck;
  /**
   * Logged by the server once it listens. Required besides the probe: if another process
   * took the port, the probe alone could be answered by that process while ours failed to bind.
   */
  readyLine: string;
}

async function startOwned(
  kind: ServerKind,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
  fixedPort: number | undefined,
) {
  const binary = await findBinary(kind.binary, searchPath(env));
  if (binary === undefined) {
    throw new Error(
      `${kind.binary} is not installed (not found on PATH). Install it with \`apt-get install ${kind.debianPackage}\` ` +
        `(Debian/Ubuntu), or set ${kind.scheme === 'nats' ? 'NATS_URL' : 'REDIS_URL'} to use a running server.`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), `sb-${kind.binary}-`));
  const logFile = join(dir, 'server.log');

  let child: ChildProcess | undefined;
  let port = 0;
  let stopped = false;
  const unexpectedExits: ExitInfo[] = [];
  /** Children this handle killed (or is killing) on purpose. */
  const meantToExit = new WeakSet<ChildProcess>();
  const killOnPurpose = (proc: ChildProcess, signal: NodeJS.Signals) => {
    meantToExit.add(proc);
    return killAndWait(proc, signal);
  };

  const launch = async (): Promise<void> => {
    // This run's output starts at `logStart` (restarts append to the same file).
    const { child: proc, logStart } = spawnLogged(binary, kind.args(port, dir), { logFile, cwd: dir });
    child = proc;
    void exitOf(proc, (info) => {
      if (!meantToExit.has(proc)) unexpectedExits.push(info);
    });
    try {
      await waitUntilReady(proc, port, kind, timeoutMs, logFile, logStart);
    } catch (error) {
      // A failed start is reported by the error, not as a crash.
      meantToExit.add(proc);
      throw error;
    }
  };

  // A free port can be taken by someone else between probing and binding: retry a few times.
  for (let attempt = 1; ; attempt++) {
    port = fixedPort ?? (await freePort());
    try {
      await launch();
      break;
    } catch (error) {
      if (child) await killOnPurpose(child, 'SIGKILL');
      if (attempt >= 3 || fixedPort !== undefined) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const handle: ServerHandle = {
    url: `${kind.scheme}://127.0.0.1:${port}`,
    port,
    get pid() {
      return child && !hasExited(child) ? child.pid : undefined;
    },
    owned: true,
    logFile,
    unexpectedExits,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child) await killOnPurpose(child, signal);
    },
    async restart() {
      if (stopped) throw new Error(`${kind.binary} on port ${port} was stopped; start a new one`);
      if (child) await killOnPurpose(child, 'SIGKILL');
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) {
        // A polite stop first; a server that does not go within 2 s is killed.
        const exited = killOnPurpose(child, 'SIGTERM');
        const timer = setTimeout(() => child?.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

function externalHandle(variable: string, url: string, defaultPort: number): ServerHandle {
  const parsed = new URL(url);
  const notOwned = (what: string) => () =>
    Promise.reject(
      new Error(`cannot ${what} the server at ${url}: not owned by the test harness (${variable} is set)`),
    );
  return {
    url,
    port: parsed.port ? Number(parsed.port) : defaultPort,
    pid: undefined,
    owned: false,
    logFile: undefined,
    unexpectedExits: [],
    kill: notOwned('kill'),
    restart: notOwned('restart'),
    stop: async () => {},
  };
}

async function waitUntilReady(
  child: ChildProcess,
  port: number,
  kind: ServerKind,
  timeoutMs: number,
  logFile: string,
  logStart: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited(child)) {
      const why = spawnError(child)?.message ?? (await logTail(logFile));
      throw new Error(`${kind.binary} exited during start-up (port ${port}):\n${why}`);
    }
    if ((await logSince(logFile, logStart)).includes(kind.readyLine) && (await probe(port, kind.probe)))
      return;
    if (Date.now() > deadline) {
      throw new Error(
        `${kind.binary} did not answer on port ${port} within ${timeoutMs} ms:\n${await logTail(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface ProbeCheck {
  send: string | undefined;
  expect: string;
  /** Probe over TLS (Redis with a TLS-only port); NATS greets in plaintext before its TLS upgrade. */
  tls?: ServerTls | undefined;
}

/** One connection: true when the server greets (or answers `send`) with `expect`. */
function probe(port: number, check: ProbeCheck): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = check.tls
      ? tlsConnect({
          host: '127.0.0.1',
          port,
          ca: readFileSync(check.tls.caFile),
          ...(check.tls.verifyClients
            ? { cert: readFileSync(check.tls.certFile), key: readFileSync(check.tls.keyFile) }
            : {}),
        })
      : createConnection({ host: '127.0.0.1', port });
    let received = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1_000);
    socket.once('error', () => done(false));
    socket.once(check.tls ? 'secureConnect' : 'connect', () => {
      if (check.send !== undefined) socket.write(check.send);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.startsWith(check.expect)) done(true);
      else if (received.length >= check.expect.length) done(false);
    });
    socket.once('close', () => done(false));
  });
}

async function logSince(logFile: string, offset: number): Promise<string> {
  try {
    return (await readFile(logFile)).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

async function logTail(logFile: string): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

/** nats-server's config file: loopback listener, TLS, and the caller's authorization block. */
function natsConfig(port: number, tls: ServerTls | undefined, authorization: string | undefined): string {
  const lines = [`listen: "127.0.0.1:${port}"`];
  if (tls) {
    lines.push(
      'tls {',
      `  cert_file: ${JSON.stringify(tls.certFile)}`,
      `  key_file: ${JSON.stringify(tls.keyFile)}`,
      `  ca_file: ${JSON.stringify(tls.caFile)}`,
      `  verify: ${tls.verifyClients ? 'true' : 'false'}`,
      '  timeout: 2',
      '}',
    );
  }
  if (authorization !== undefined) lines.push(authorization);
  return `${lines.join('\n')}\n`;
}

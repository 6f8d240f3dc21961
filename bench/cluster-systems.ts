/**
 * The systems the cluster benchmark compares, each started as real processes on free loopback
 * ports and stopped afterwards:
 *
 * - switchboard: the `pnpm cluster` launcher (`startCluster` from @switchboard/testing) with
 *   2 edges, 1 router, 1 presence, 1 auth, nats-server and redis-server; clients go to the
 *   edges directly (HAProxy runs, but is not measured).
 * - centrifugo: two Centrifugo v6 nodes with the Redis engine on one redis-server, history and
 *   recovery configured like Switchboard's defaults.
 * - socketio: two Socket.IO 4 nodes (bench/socketio-server.ts) with @socket.io/redis-adapter.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestPki, type RedisServerHandle, startCluster, startRedisServer } from '@switchboard/testing';
import type { SystemName } from './cluster-dialects.js';
import { freePorts, HOST, httpGet, ROOT, sleep } from './lib.js';

export const BENCH_SECRET = 'switchboard-bench-secret-0123456789abcdef';

export interface MeasuredProcess {
  /** `edge-1`, `nats-server`, `centrifugo-2`, … */
  name: string;
  pid: number;
  /** V8 inspector port (Node processes), for profiles and forced GCs. */
  inspectPort?: number;
  /** An HTTP URL whose GET forces a garbage collection (Centrifugo's pprof heap endpoint). */
  gcUrl?: string;
}

export interface RunningSystem {
  name: SystemName;
  /** Every process whose CPU and memory count. */
  processes: MeasuredProcess[];
  /** One base URL per node that clients connect to (`ws://127.0.0.1:port`). */
  urls: string[];
  /** The processes that terminate clients' WebSockets (Switchboard's edges, the nodes of the others). */
  front: string[];
  stop(): Promise<void>;
}

/** The environment for servers this benchmark starts: never an external NATS_URL/REDIS_URL. */
function hostEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['NATS_URL'];
  delete env['REDIS_URL'];
  return env;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Switchboard's settings for the benchmark: product defaults (history 100 messages for 5 min,
 * presence in every room, join/leave pushes up to 1,000 members, per-user publish rate limit)
 * except quieter logs, no drain on stop, and room for 10,000 connections per edge.
 */
const SWITCHBOARD_ENV: Record<string, string> = {
  SB_LOG_LEVEL: 'warn',
  SB_DRAIN_MS: '0',
  SB_MAX_CONNECTIONS: '100000',
  // A loopback inspector on a port of the OS's choosing: the benchmark reads it from the log.
  NODE_OPTIONS: `--inspect=${HOST}:0`,
};

/** `joinPushes: false` turns off join/leave pushes (Switchboard's default: rooms up to 1,000 members). */
export interface SystemOptions {
  joinPushes: boolean;
  /**
   * How every system reaches its backing servers. `secured` (the default): as each would run in
   * production — Switchboard's secured cluster (TLS and a user per role on NATS, TLS and an ACL
   * user on Redis), and Centrifugo and Socket.IO with TLS and an ACL user to their Redis.
   * `plain`: no TLS and no credentials anywhere (Switchboard's `insecure` cluster).
   */
  links: 'secured' | 'plain';
  /** More NODE_OPTIONS for Switchboard's processes (experiments, e.g. `--max-semi-space-size=64`). */
  nodeOptions?: string;
}

export async function startSwitchboard(options: SystemOptions): Promise<RunningSystem> {
  const cluster = await startCluster({
    edges: 2,
    routers: 1,
    presence: 1,
    auth: 1,
    secret: BENCH_SECRET,
    ...(options.links === 'plain' ? { insecure: true } : {}),
    env: {
      ...SWITCHBOARD_ENV,
      ...(options.joinPushes ? {} : { SB_PRESENCE_DIFF_MAX_MEMBERS: '0' }),
      ...(options.nodeOptions
        ? { NODE_OPTIONS: `${SWITCHBOARD_ENV['NODE_OPTIONS']} ${options.nodeOptions}` }
        : {}),
    },
    hostEnv: hostEnv(),
  });
  const processes: MeasuredProcess[] = [];
  for (const p of cluster.processes) {
    const log = readFileSync(p.logFile, 'utf8');
    const port = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(log)?.[1];
    processes.push({
      name: p.name,
      pid: p.pid ?? -1,
      ...(port !== undefined ? { inspectPort: Number(port) } : {}),
    });
  }
  processes.push({ name: 'nats-server', pid: cluster.nats.pid ?? -1 });
  processes.push({ name: 'redis-server', pid: cluster.redis.pid ?? -1 });
  return {
    name: 'switchboard',
    processes,
    urls: [...cluster.edgeUrls],
    front: processes.filter((p) => p.name.startsWith('edge-')).map((p) => p.name),
    stop: () => cluster.stop(),
  };
}

const REDIS_USER = 'bench';
const REDIS_PASSWORD = 'bench-redis-password-0123456789';

/** A baseline's Redis: with TLS (a throw-away CA) and an ACL user when `links` is `secured`. */
interface BaselineRedis {
  server: RedisServerHandle;
  /** `redis://…` or `rediss://user:password@…` */
  url: string;
  caFile?: string;
  stop(): Promise<void>;
}

async function startBaselineRedis(links: SystemOptions['links']): Promise<BaselineRedis> {
  if (links === 'plain') {
    const server = await startRedisServer({ env: hostEnv() });
    return { server, url: server.url, stop: () => server.stop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-pki-'));
  const pki = await createTestPki(dir);
  const server = await startRedisServer({
    env: hostEnv(),
    tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile },
    user: { name: REDIS_USER, password: REDIS_PASSWORD },
  });
  const url = new URL(server.url);
  url.username = REDIS_USER;
  url.password = REDIS_PASSWORD;
  return {
    server,
    url: url.toString(),
    caFile: pki.caFile,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The cached Centrifugo binary (scripts/centrifugo.sh builds it), or why there is none. */
export function centrifugoBinary(): { path: string } | { missing: string } {
  try {
    const path = execFileSync('bash', [resolve(ROOT, 'scripts/centrifugo.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15 * 60_000,
    }).trim();
    if (existsSync(path)) return { path };
    return { missing: `scripts/centrifugo.sh printed "${path}", which does not exist` };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return { missing: stderr.trim() };
  }
}

/**
 * A Centrifugo namespace configured like Switchboard's defaults: 100 messages of history for
 * 5 minutes, recovery on every subscription, presence, and (small rooms only, as Switchboard
 * stops join/leave pushes above 1,000 members) join/leave pushed to subscribers. Clients may
 * subscribe and publish with their connection token alone, as Switchboard's grants allow.
 */
function namespace(name: string, joinLeave: boolean): Record<string, unknown> {
  return {
    name,
    history_size: 100,
    history_ttl: '300s',
    force_recovery: true,
    presence: true,
    join_leave: joinLeave,
    force_push_join_leave: joinLeave,
    allow_subscribe_for_client: true,
    allow_publish_for_client: true,
  };
}

export async function startCentrifugo(binary: string, options: SystemOptions): Promise<RunningSystem> {
  const redis = await startBaselineRedis(options.links);
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-centrifugo-'));
  const nodes: Array<{ child: ChildProcess; port: number }> = [];
  try {
    const ports = await freePorts(2);
    for (const [i, port] of ports.entries()) {
      const config = {
        log: { level: 'error' },
        http_server: { address: HOST, port },
        node: { name: `centrifugo-${i + 1}` },
        engine: {
          type: 'redis',
          redis: {
            address: [redis.url],
            prefix: 'bench',
            ...(redis.caFile ? { tls: { enabled: true, server_ca_pem: redis.caFile } } : {}),
          },
        },
        client: { token: { hmac_secret_key: BENCH_SECRET } },
        channel: {
          history_meta_ttl: '24h',
          namespaces: [namespace('chat', options.joinPushes), namespace('big', false)],
        },
        http_api: { disabled: true },
        health: { enabled: true },
        // pprof: GET /debug/pprof/heap?gc=1 runs a garbage collection before a memory reading.
        debug: { enabled: true },
        usage_stats: { disabled: true },
      };
      const file = join(dir, `centrifugo-${i + 1}.json`);
      writeFileSync(file, JSON.stringify(config, null, 2));
      const child = spawn(binary, ['--config', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      children.add(child);
      child.once('exit', () => children.delete(child));
      nodes.push({ child, port });
    }
    for (const { child, port } of nodes) await waitHttp(`http://${HOST}:${port}/health`, child, 'centrifugo');
  } catch (error) {
    for (const { child } of nodes) child.kill('SIGKILL');
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    name: 'centrifugo',
    processes: [
      ...nodes.map(({ child, port }, i) => ({
        name: `centrifugo-${i + 1}`,
        pid: child.pid ?? -1,
        gcUrl: `http://${HOST}:${port}/debug/pprof/heap?gc=1`,
      })),
      { name: 'redis-server', pid: redis.server.pid ?? -1 },
    ],
    urls: nodes.map(({ port }) => `ws://${HOST}:${port}`),
    front: nodes.map((_, i) => `centrifugo-${i + 1}`),
    async stop() {
      await Promise.all(nodes.map(({ child }) => stopChild(child)));
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startSocketio(options: SystemOptions): Promise<RunningSystem> {
  const redis = await startBaselineRedis(options.links);
  const nodes: Array<{ child: ChildProcess; port: number; inspectPort: number }> = [];
  try {
    const [a, b, ia, ib] = await freePorts(4);
    for (const [port, inspectPort] of [
      [a!, ia!],
      [b!, ib!],
    ] as const) {
      const child = spawn(
        process.execPath,
        [`--inspect=${HOST}:${inspectPort}`, '--import', 'tsx', resolve(ROOT, 'bench/socketio-server.ts')],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            BENCH_WS_PORT: String(port),
            BENCH_REDIS_URL: redis.url,
            ...(redis.caFile ? { BENCH_REDIS_CA_FILE: redis.caFile } : {}),
            BENCH_JWT_SECRET: BENCH_SECRET,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.add(child);
      child.once('exit', () => children.delete(child));
      nodes.push({ child, port, inspectPort });
    }
    for (const { child } of nodes) await waitLine(child, 'ready', 'socket.io node');
  } catch (error) {
    for (const { child } of nodes) child.kill('SIGKILL');
    await redis.stop();
    throw error;
  }
  return {
    name: 'socketio',
    processes: [
      ...nodes.map(({ child, inspectPort }, i) => ({
        name: `socketio-${i + 1}`,
        pid: child.pid ?? -1,
        inspectPort,
      })),
      { name: 'redis-server', pid: redis.server.pid ?? -1 },
    ],
    urls: nodes.map(({ port }) => `ws://${HOST}:${port}`),
    front: nodes.map((_, i) => `socketio-${i + 1}`),
    async stop() {
      await Promise.all(nodes.map(({ child }) => stopChild(child)));
      await redis.stop();
    },
  };
}

/**
 * The floor of the connect workload: one bare `ws` process (bench/naive-server.ts: no token
 * check, no rooms, no store), speaking enough of Switchboard's protocol for the same client.
 * What Node and `ws` alone cost per connection on this machine; it runs the connect workload only.
 */
export async function startBareWs(): Promise<RunningSystem> {
  const [port, httpPort, inspectPort] = await freePorts(3);
  const child = spawn(
    process.execPath,
    [`--inspect=${HOST}:${inspectPort!}`, '--import', 'tsx', resolve(ROOT, 'bench/naive-server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_MODE: 'naive',
        BENCH_WS_PORT: String(port),
        BENCH_HTTP_PORT: String(httpPort),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  try {
    await waitHttp(`http://${HOST}:${httpPort!}/readyz`, child, 'bare ws server');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name: 'ws',
    processes: [{ name: 'ws-1', pid: child.pid ?? -1, inspectPort: inspectPort! }],
    urls: [`ws://${HOST}:${port!}`],
    front: ['ws-1'],
    stop: () => stopChild(child),
  };
}

async function waitHttp(url: string, child: ChildProcess, what: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8_192);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`${what} not healthy after 30 s:\n${stderr}`);
    const reply = await httpGet(url, 1_000).catch(() => undefined);
    if (reply?.status === 200) return;
    await sleep(100);
  }
}

function waitLine(child: ChildProcess, line: string, what: string): Promise<void> {
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${what} not ready after 60 s:\n${out}`)), 60_000);
    const collect = (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-8_192);
      if (out.includes(`${line}\n`)) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited (code ${code}):\n${out}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

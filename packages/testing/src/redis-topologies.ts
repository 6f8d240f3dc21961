import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { canBind, findBinary, hasExited, killAndWait, searchPath, spawnLogged } from './process.js';

/**
 * A Redis Cluster (3 masters + 3 replicas) and a Sentinel setup (1 master, 1 replica, 3
 * Sentinels) of real processes on loopback, for the stores' contract suites and failover tests.
 * Like servers.ts: no persistence, logs in a temp dir, processes that cannot outlive the test.
 */

/** One redis-server (or Sentinel) process of a topology. */
export interface RedisNodeProcess {
  readonly port: number;
  /** Undefined while it is down. */
  readonly pid: number | undefined;
  readonly logFile: string;
  /** Kills it (default SIGKILL: a crash) and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and with the same files (a cluster node keeps its nodes.conf). */
  restart(): Promise<void>;
}

export interface RedisClusterHandle {
  /** `127.0.0.1:<port>` of every node: the seed list for `SB_REDIS_CLUSTER_NODES`. */
  readonly nodes: readonly string[];
  readonly processes: readonly RedisNodeProcess[];
  /** The process of the master that now serves `key`'s slot. */
  masterOf(key: string): Promise<RedisNodeProcess>;
  /** Ports of the masters now serving slots, as a live node sees them. */
  masters(): Promise<number[]>;
  /** Resolves once every slot is served by a live master again (after a kill). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisSentinelHandle {
  /** `127.0.0.1:<port>` of the three Sentinels: `SB_REDIS_SENTINELS`. */
  readonly sentinels: readonly string[];
  /** `SB_REDIS_SENTINEL_MASTER`. */
  readonly masterName: string;
  /** The first master and replica; after a failover their roles are swapped. */
  readonly servers: readonly RedisNodeProcess[];
  readonly sentinelProcesses: readonly RedisNodeProcess[];
  /** The server the Sentinels now name as master. */
  currentMaster(): Promise<RedisNodeProcess>;
  /** Resolves once the Sentinels name a master other than `previous`. */
  waitForNewMaster(previous: RedisNodeProcess, timeoutMs?: number): Promise<RedisNodeProcess>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** Failure detection: a master unanswered this long is failed over (2 s: tests stay short). */
const NODE_TIMEOUT_MS = 2_000;

export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const binary = await requireBinary('redis-server');
  const cli = await requireBinary('redis-cli');
  const dir = await mkdtemp(join(tmpdir(), 'sb-redis-cluster-'));
  const processes: OwnedNode[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      // The cluster bus listens on port + 10000: both must be free.
      const port = await freePortWithBus();
      const node = new OwnedNode(binary, port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        String(NODE_TIMEOUT_MS),
        // A replica fails over however long it was disconnected: tests kill masters freely.
        '--cluster-replica-validity-factor',
        '0',
        // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
        '--repl-diskless-sync-delay',
        '0',
      ]);
      processes.push(node);
      await node.start();
    }
    const nodes = processes.map((p) => `127.0.0.1:${p.port}`);
    await run(cli, ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 30_000,
    });
    const handle: RedisClusterHandle = {
      nodes,
      processes,
      async masterOf(key) {
        const slot = Number(await ask(processes, (r) => r.cluster('KEYSLOT', key)));
        for (;;) {
          const owner = (await clusterView(processes)).find(
            (n) => n.master && n.slots.some(([a, b]) => slot >= a && slot <= b),
          );
          const proc = owner && processes.find((p) => p.port === owner.port);
          if (proc) return proc;
          await sleep(100);
        }
      },
      async masters() {
        return (await clusterView(processes))
          .filter((n) => n.master && n.slots.length > 0)
          .map((n) => n.port);
      },
      waitHealthy: (timeoutMs = 30_000) => waitClusterHealthy(processes, timeoutMs),
      async stop() {
        await Promise.all(processes.map((p) => p.stop()));
        await rm(dir, { recursive: true, force: true });
      },
    };
    await handle.waitHealthy();
    return handle;
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  const binary = await requireBinary('redis-server');
  const dir = await mkdtemp(join(tmpdir(), 'sb-redis-sentinel-'));
  const masterName = 'sbmaster';
  const servers: OwnedNode[] = [];
  const sentinels: OwnedNode[] = [];
  const stopAll = async () => {
    await Promise.all([...sentinels, ...servers].map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const masterPort = await freePortWithBus();
    const master = new OwnedNode(binary, masterPort, dir, ['--repl-diskless-sync-delay', '0']);
    servers.push(master);
    await master.start();
    const replica = new OwnedNode(binary, await freePortWithBus(), dir, [
      '--repl-diskless-sync-delay',
      '0',
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
    ]);
    servers.push(replica);
    await replica.start();
    for (let i = 0; i < 3; i++) {
      const port = await freePortWithBus();
      // Sentinel rewrites its config file: each gets its own.
      const config = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} ${NODE_TIMEOUT_MS}`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = new OwnedNode(binary, port, dir, ['--sentinel'], config);
      sentinels.push(sentinel);
      await sentinel.start();
    }
    const current = async (): Promise<OwnedNode> => {
      const reply = (await ask(sentinels, (r) =>
        r.call('SENTINEL', 'get-master-addr-by-name', masterName),
      )) as [string, string];
      const port = Number(reply[1]);
      const found = servers.find((s) => s.port === port);
      if (!found) throw new Error(`Sentinels name an unknown master on port ${port}`);
      return found;
    };
    // Ready for a failover once every Sentinel knows the replica and the two other Sentinels.
    await waitFor(async () => {
      for (const sentinel of sentinels) {
        const info = await withClient(sentinel.port, (r) => r.call('SENTINEL', 'MASTER', masterName));
        const fields = pairs(info as string[]);
        if (fields.get('num-slaves') !== '1' || fields.get('num-other-sentinels') !== '2') return false;
      }
      const replication = await withClient(replica.port, (r) => r.info('replication'));
      return replication.includes('master_link_status:up');
    }, 30_000);
    return {
      sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`),
      masterName,
      servers,
      sentinelProcesses: sentinels,
      currentMaster: current,
      async waitForNewMaster(previous, timeoutMs = 30_000) {
        let next: OwnedNode | undefined;
        await waitFor(async () => {
          next = await current();
          if (next === previous) return false;
          const role = await withClient(next.port, (r) => r.info('replication'));
          return role.includes('role:master');
        }, timeoutMs);
        return next!;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

class OwnedNode implements RedisNodeProcess {
  readonly logFile: string;
  #child: ReturnType<typeof spawnLogged>['child'] | undefined;
  #stopped = false;

  constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly dir: string,
    private readonly extra: readonly string[],
    private readonly configFile?: string,
  ) {
    this.logFile = join(dir, `redis-${port}.log`);
  }

  get pid(): number | undefined {
    return this.#child && !hasExited(this.#child) ? this.#child.pid : undefined;
  }

  async start(): Promise<void> {
    const args = [
      ...(this.configFile ? [this.configFile] : []),
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      ...(this.configFile
        ? []
        : ['--save', '', '--appendonly', 'no', '--dir', this.dir, '--dbfilename', `dump-${this.port}.rdb`]),
      ...this.extra,
    ];
    this.#child = spawnLogged(this.binary, args, { logFile: this.logFile, cwd: this.dir }).child;
    await waitFor(
      () => pong(this.port),
      15_000,
      () => `redis on port ${this.port} did not start (${this.logFile})`,
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.#child) await killAndWait(this.#child, signal);
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`redis on port ${this.port} was stopped`);
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.kill();
  }
}

interface ClusterNodeView {
  port: number;
  master: boolean;
  alive: boolean;
  slots: Array<[number, number]>;
}

/** `CLUSTER NODES` as seen by the first live node. */
async function clusterView(processes: readonly OwnedNode[]): Promise<ClusterNodeView[]> {
  const text = String(await ask(processes, (r) => r.cluster('NODES')));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address = '', flags = '', , , , , state = '', ...slots] = line.split(' ');
      return {
        port: Number(address.split('@')[0]!.split(':')[1]),
        master: flags.split(',').includes('master'),
        alive: state === 'connected' && !flags.includes('fail'),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [a, b = a] = s.split('-');
            return [Number(a), Number(b)] as [number, number];
          }),
      };
    });
}

async function waitClusterHealthy(processes: readonly OwnedNode[], timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const live = processes.filter((p) => p.pid !== undefined);
      for (const p of live) {
        const info = await withClient(p.port, (r) => r.cluster('INFO'));
        if (!String(info).includes('cluster_state:ok')) return false;
      }
      const view = await clusterView(processes);
      let covered = 0;
      for (const node of view) {
        if (!node.master || !node.alive) continue;
        for (const [a, b] of node.slots) covered += b - a + 1;
      }
      if (covered !== 16_384) return false;
      // And every live replica has finished its sync: a failover before that would lose data.
      for (const node of view) {
        if (node.master || !node.alive) continue;
        const replication = await withClient(node.port, (r) => r.info('replication'));
        if (!replication.includes('master_link_status:up')) return false;
      }
      return true;
    },
    timeoutMs,
    () => 'the Redis Cluster did not become healthy',
  );
}

/** Runs `fn` against the first live node that answers. */
async function ask<T>(nodes: readonly OwnedNode[], fn: (redis: Redis) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const node of nodes) {
    if (node.pid === undefined) continue;
    try {
      return await withClient(node.port, fn);
    } catch (error) {
      last = error;
    }
  }
  throw last instanceof Error ? last : new Error('no Redis node answered');
}

async function withClient<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

function pairs(flat: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, flat[i + 1]!);
  return out;
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  message: () => string = () => `timed out after ${timeoutMs} ms`,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not yet: a node still starting or failing over.
    }
    if (Date.now() > deadline) throw new Error(message());
    await sleep(100);
  }
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('+PONG')));
  });
}

/** A free port whose port + 10000 (the cluster bus) is free too, both below 65536. */
async function freePortWithBus(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if ((await canBind(port)) && (await canBind(port + 10_000))) return port;
  }
  throw new Error('no free port pair (port, port + 10000) found');
}

async function requireBinary(name: string): Promise<string> {
  const binary = await findBinary(name, searchPath(process.env));
  if (binary === undefined)
    throw new Error(`${name} is not installed (not found on PATH): apt-get install redis-server redis-tools`);
  return binary;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

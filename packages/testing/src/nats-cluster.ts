import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ExitInfo,
  exitOf,
  findBinary,
  freePort,
  hasExited,
  killAndWait,
  searchPath,
  spawnLogged,
} from './process.js';
import type { NatsServerHandle } from './servers.js';

/**
 * A NATS cluster of real nats-server processes on loopback, joined by routes (every node lists
 * every other one), as the Helm chart runs it. Each node is a `NatsServerHandle`: a test kills
 * and restarts one while clients, given every node's URL, move to the others.
 */
export interface NatsClusterHandle {
  readonly nodes: readonly NatsServerHandle[];
  /** Every node's client URL, comma-separated: `SB_NATS_URL`. */
  readonly url: string;
  /** Resolves once every live node has a route to every other live node. */
  waitRoutes(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Default 3. */
  nodes?: number;
  /** Cluster name (default `sb`): the name gateways and leaf nodes see. */
  name?: string;
  /** Extra lines for every node's config file (e.g. a `leafnodes { … }` block). */
  extraConfig?: (node: number) => string;
}

export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const count = options.nodes ?? 3;
  const name = options.name ?? 'sb';
  const binary = await findBinary('nats-server', searchPath(process.env));
  if (binary === undefined)
    throw new Error('nats-server is not installed (not found on PATH): apt-get install nats-server');
  const dir = await mkdtemp(join(tmpdir(), 'sb-nats-cluster-'));
  const ports: NodePorts[] = [];
  for (let i = 0; i < count; i++)
    ports.push({ client: await freePort(), route: await freePort(), monitor: await freePort() });
  const nodes = ports.map(
    (p, i) => new NatsNode(binary, dir, i + 1, name, p, ports, options.extraConfig?.(i + 1) ?? ''),
  );
  const handle: NatsClusterHandle = {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    waitRoutes: (timeoutMs = 15_000) => waitRoutes(nodes, timeoutMs),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await handle.waitRoutes();
    return handle;
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

interface NodePorts {
  client: number;
  route: number;
  monitor: number;
}

class NatsNode implements NatsServerHandle {
  readonly url: string;
  readonly port: number;
  readonly owned = true;
  readonly logFile: string;
  readonly unexpectedExits: ExitInfo[] = [];
  readonly monitorPort: number;
  readonly #meant = new WeakSet<ChildProcess>();
  #child: ChildProcess | undefined;
  #stopped = false;

  constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly index: number,
    private readonly clusterName: string,
    private readonly ports: NodePorts,
    private readonly all: readonly NodePorts[],
    private readonly extraConfig: string,
  ) {
    this.port = ports.client;
    this.monitorPort = ports.monitor;
    this.url = `nats://127.0.0.1:${ports.client}`;
    this.logFile = join(dir, `nats-${index}.log`);
  }

  get pid(): number | undefined {
    return this.#child && !hasExited(this.#child) ? this.#child.pid : undefined;
  }

  async start(): Promise<void> {
    const routes = this.all.filter((p) => p !== this.ports).map((p) => `nats://127.0.0.1:${p.route}`);
    const configFile = join(this.dir, `nats-${this.index}.conf`);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      configFile,
      [
        `server_name: ${this.clusterName}-${this.index}`,
        `listen: 127.0.0.1:${this.ports.client}`,
        `http: 127.0.0.1:${this.ports.monitor}`,
        'cluster {',
        `  name: ${this.clusterName}`,
        `  listen: 127.0.0.1:${this.ports.route}`,
        `  routes: [${routes.join(', ')}]`,
        '}',
        this.extraConfig,
        '',
      ].join('\n'),
    );
    const { child, logStart } = spawnLogged(this.binary, ['-c', configFile], {
      logFile: this.logFile,
      cwd: this.dir,
    });
    this.#child = child;
    void exitOf(child, (info) => {
      if (!this.#meant.has(child)) this.unexpectedExits.push(info);
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (hasExited(child))
        throw new Error(`nats-server ${this.index} exited during start-up: ${this.logFile}`);
      const log = (await readFile(this.logFile)).subarray(logStart).toString('utf8');
      if (log.includes('Server is ready')) return;
      if (Date.now() > deadline) throw new Error(`nats-server ${this.index} did not start: ${this.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.#child) return;
    this.#meant.add(this.#child);
    await killAndWait(this.#child, signal);
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`nats-server ${this.index} was stopped`);
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.kill('SIGTERM');
  }
}

async function waitRoutes(nodes: readonly NatsNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = nodes.filter((n) => n.pid !== undefined);
    let ok = true;
    for (const node of live) {
      try {
        const res = await fetch(`http://127.0.0.1:${node.monitorPort}/routez`);
        const body = (await res.json()) as { routes?: Array<{ remote_id?: string; remote_name?: string }> };
        // Servers may open more than one route connection per peer (route pooling): count peers.
        const peers = new Set((body.routes ?? []).map((r) => r.remote_id ?? r.remote_name));
        if (peers.size < live.length - 1) ok = false;
      } catch {
        ok = false;
      }
    }
    if (ok) return;
    if (Date.now() > deadline) throw new Error('the NATS cluster did not form its routes in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Client connections a node of `startNatsCluster` now has (its monitoring endpoint's /connz). */
export async function natsClientConnections(node: NatsServerHandle): Promise<number> {
  if (!(node instanceof NatsNode)) throw new Error('not a node of startNatsCluster');
  const res = await fetch(`http://127.0.0.1:${node.monitorPort}/connz`);
  const body = (await res.json()) as { num_connections?: number };
  return body.num_connections ?? 0;
}

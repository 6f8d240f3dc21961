import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintToken } from '@switchboard/auth';
import { BUS_ROLES, type BusRole, inboxPrefix } from '@switchboard/bus';
import {
  type NatsAuthOptions,
  type NatsTlsFiles,
  natsServerConfig,
  natsUserName,
} from '@switchboard/bus/nats';
import { startNatsCluster } from './nats-cluster.js';
import { createTestPki, type TestPki } from './pki.js';
import {
  canBind,
  type ExitInfo,
  exitOf,
  findBinary,
  freePort,
  hasExited,
  searchPath,
  spawnError,
  spawnLogged,
} from './process.js';
import {
  type NatsServerHandle,
  type RedisServerHandle,
  type StartServerOptions,
  startNatsServer,
  startRedisServer,
} from './servers.js';

export type { ExitInfo } from './process.js';

/**
 * A real Switchboard cluster on this machine, for fault tests and `pnpm cluster`:
 * nats-server and redis-server (from the harness), every service as its own Node process
 * (`node --import tsx services/<role>/src/main.ts`, configured by SB_* variables exactly as in
 * production), and HAProxy in front of the edges on one WebSocket port, health-checking each
 * edge's `/readyz`. Everything listens on 127.0.0.1; processes are killed for real. As in
 * production, the bus is secured (unless `insecure`): each role has its own NATS user with the
 * permissions `switchboard nats-config` writes, Redis has an ACL user, and both links use TLS
 * with a private CA created for the cluster (secrets and CA in `<logDir>/secrets`).
 *
 * Nothing outlives the test process: every child has a watchdog (see `guard` in process.ts)
 * that kills it when this process dies, however it dies.
 */

export type ClusterRole = 'edge' | 'router' | 'presence' | 'auth' | 'api';

export interface ClusterOptions {
  /** Number of edges (default 2), routers (2), presence (1), auth (1) and api (0) processes. */
  edges?: number;
  routers?: number;
  presence?: number;
  auth?: number;
  api?: number;
  /**
   * SB_* settings for every service (e.g. `SB_PRESENCE_TTL_MS`, `SB_REQUEST_TIMEOUT_MS`). The
   * cluster sets bus, store, URLs, hosts, ports and node ids itself; those keys are ignored here.
   * Nothing is inherited from this process's SB_* variables.
   */
  env?: Readonly<Record<string, string>>;
  /** SB_* settings for the processes of one role only (applied after `env`). */
  roleEnv?: Partial<Record<ClusterRole, Readonly<Record<string, string>>>>;
  /** The HS256 secret the auth service accepts (`SB_JWT_SECRETS`). Default: `CLUSTER_SECRET`. */
  secret?: string;
  haproxy?: HaproxyOptions;
  /**
   * nats-server processes (default 1). More than one form a NATS cluster (routes on loopback,
   * nats-cluster.ts); every service is given every node's URL. `ports.nats` applies to 1 only.
   */
  natsNodes?: number;
  /**
   * Fixed ports (default: free ports picked at start). `edgeWs`, `grpc` and `http` are first
   * ports: edge n gets `edgeWs + n - 1`, api n `grpc + n - 1`; the processes get consecutive
   * HTTP ports from `http` in the order edges, routers, presence, auth, api.
   */
  ports?: {
    haproxy?: number;
    stats?: number;
    edgeWs?: number;
    http?: number;
    nats?: number;
    redis?: number;
    grpc?: number;
  };
  /** Where process logs go. Default: a new temp dir (removed by `stop()` unless `keepLogs`). */
  logDir?: string;
  /** How long start-up may take, ms (default 60 s: six Node processes compile TypeScript). */
  startTimeoutMs?: number;
  /** Environment used to find `haproxy` (PATH), and NATS_URL/REDIS_URL for the harness servers. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Plain, unauthenticated NATS and Redis, as before the bus was secured. Default false: the
   * cluster runs as production should (docs/security.md): nats-server with one user per role
   * and the permissions of `switchboard nats-config`, Redis with an ACL user, both over TLS
   * with a private CA created for the cluster.
   */
  insecure?: boolean;
}

/** How to connect to the cluster's NATS as one role (for `NatsBus.connect` / `NatsServerClient.connect`). */
export interface ClusterBusOptions {
  servers: string;
  auth?: NatsAuthOptions;
  tls?: NatsTlsFiles;
  inboxPrefix: string;
}

export interface HaproxyOptions {
  /** `http` (default: HAProxy parses the upgrade, then tunnels) or `tcp` (plain TCP proxy). */
  mode?: 'http' | 'tcp';
  balance?: 'roundrobin' | 'leastconn';
  /** Health check interval, ms (default 500). */
  checkIntervalMs?: number;
  /** Failed checks before an edge is taken out (default 1) and good ones before it is back (2). */
  fall?: number;
  rise?: number;
}

export interface Readiness {
  ready: boolean;
  /** HTTP status of `/readyz`; undefined when it did not answer (process down). */
  status: number | undefined;
  reasons: string[];
}

/** One service process. Its ports stay the same across restarts. */
export interface ClusterProcess {
  /** `edge-1`, `router-2`, … (also its `SB_NODE_ID`). */
  readonly name: string;
  readonly role: ClusterRole;
  /** 1-based index within its role. */
  readonly index: number;
  /** Undefined while the process is not running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly httpPort: number;
  /** `http://127.0.0.1:<port>`: /healthz, /readyz, /metrics. */
  readonly httpUrl: string;
  /** Edges only: the edge's own WebSocket port and URL (bypassing HAProxy). */
  readonly wsPort: number | undefined;
  readonly wsUrl: string | undefined;
  /** Api processes only: the gRPC server API's port (on 127.0.0.1). */
  readonly grpcPort: number | undefined;
  /** Output (pino JSON) of every run of this process, appended. */
  readonly logFile: string;
  /** The SB_* environment it runs with. */
  readonly env: Readonly<Record<string, string>>;
  /** Sends `signal` (default SIGKILL: a crash) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** Starts it again on the same ports (killing it first if it runs) and waits until ready. */
  restart(options?: { timeoutMs?: number }): Promise<void>;
  /** GET /readyz now. */
  readyz(): Promise<Readiness>;
  /** Waits until /readyz answers 200 (rejects if the process exits meanwhile). */
  waitReady(timeoutMs?: number): Promise<void>;
}

export interface HaproxyServerState {
  /** The edge's name (`edge-1`). */
  name: string;
  /** HAProxy's view: `UP`, `DOWN`, `UP 1/2` (going down), `DOWN 1/2` (going up), `MAINT`, `no check`. */
  status: string;
  /** Last check result, e.g. `L7OK`, `L7STS` (a 503 from /readyz), `L4CON` (refused). */
  check: string;
  /** Current sessions (open WebSockets) through HAProxy to this edge. */
  sessions: number;
}

export interface HaproxyHandle {
  /** The cluster's public WebSocket port and URL. */
  readonly port: number;
  readonly wsUrl: string;
  /** HAProxy's stats page (append `;csv` for CSV). */
  readonly statsUrl: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly configFile: string;
  readonly logFile: string;
  readonly mode: 'http' | 'tcp';
  /** Each edge's state as HAProxy sees it (from the stats page). */
  servers(): Promise<HaproxyServerState[]>;
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  restart(): Promise<void>;
}

export interface ClusterStatusRow {
  name: string;
  pid: number | undefined;
  /** `ws 8081, http 9091` and similar. */
  ports: string;
  ready: boolean;
  /** Why not ready (or HAProxy's view of the edges). */
  detail: string;
}

export interface Cluster {
  /** Through HAProxy: what clients use. */
  readonly wsUrl: string;
  /** Each edge's direct WebSocket URL, in order. */
  readonly edgeUrls: readonly string[];
  /** The (first) nats-server. */
  readonly nats: NatsServerHandle;
  /** Every nats-server: one, or the nodes of the NATS cluster (`natsNodes`). */
  readonly natsNodes: readonly NatsServerHandle[];
  readonly redis: RedisServerHandle;
  readonly haproxy: HaproxyHandle;
  readonly edges: readonly ClusterProcess[];
  readonly routers: readonly ClusterProcess[];
  readonly presence: readonly ClusterProcess[];
  readonly auth: readonly ClusterProcess[];
  readonly api: readonly ClusterProcess[];
  /** `127.0.0.1:<port>` of the first api process, if the cluster has one. */
  readonly grpcTarget: string | undefined;
  /** Every service process: edges, routers, presence, auth, api. */
  readonly processes: readonly ClusterProcess[];
  readonly logDir: string;
  /** The HS256 secret the cluster accepts. */
  readonly secret: string;
  /** True when NATS and Redis run with authentication and TLS (the default). */
  readonly secure: boolean;
  /** The private CA and certificates (secure clusters). */
  readonly pki: TestPki | undefined;
  /** How a process of `role` connects to NATS. */
  busOptions(role: BusRole): ClusterBusOptions;
  /** The SB_* settings (NATS and Redis URLs, credentials, CA) a process of `role` needs to join the cluster. */
  busEnv(role: BusRole): Record<string, string>;
  /** `redis-cli` arguments that reach the cluster's Redis (TLS, user and password when secure). */
  redisCliArgs(): string[];
  /** Mints a token for `user`; grants default to join and publish on every room. */
  token(
    user: string,
    options?: { join?: string[]; publish?: string[]; meta?: Record<string, string>; ttlS?: number },
  ): string;
  /** A service process by name (`edge-2`); throws for an unknown name. */
  process(name: string): ClusterProcess;
  /**
   * Waits until every process that should run (not killed by the test) answers /readyz 200
   * and HAProxy has each such edge UP after a successful check.
   */
  waitReady(timeoutMs?: number): Promise<void>;
  /** One row per part (nats, redis, each process, haproxy) with its pid, ports and readiness. */
  status(): Promise<ClusterStatusRow[]>;
  /**
   * Parts that exited although nobody killed or stopped them through the harness (crashes, or
   * someone's kill -9), with their exit: service processes, `nats-server` and `redis-server`.
   */
  unexpectedExits(): Array<{ name: string } & ExitInfo>;
  /** The last `lines` lines of a part's log (`edge-1`, `haproxy`, `nats`, `redis`). */
  logTail(name: string, lines?: number): Promise<string>;
  /** Stops everything (services gracefully, then by force) and removes the temp dir. Idempotent. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

/**
 * The default HS256 secret of a cluster. Not imported from switchboard.ts: the cluster runs
 * the services as child processes and must not load the in-process server into the test.
 */
export const CLUSTER_SECRET = 'switchboard-cluster-secret-0123456789abcdef';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Settings the cluster owns: a caller's value for one of these would break the wiring. */
const MANAGED = new Set([
  'SB_BUS',
  'SB_STORE',
  'SB_NATS_URL',
  'SB_REDIS_URL',
  'SB_NODE_ID',
  'SB_WS_HOST',
  'SB_WS_PORT',
  'SB_HTTP_HOST',
  'SB_GRPC_HOST',
  'SB_GRPC_PORT',
  'SB_HTTP_PORT',
  'SB_NATS_USER',
  'SB_NATS_PASSWORD_FILE',
  'SB_NATS_NKEY_SEED_FILE',
  'SB_NATS_CREDS_FILE',
  'SB_NATS_CA_FILE',
  'SB_NATS_CERT_FILE',
  'SB_NATS_KEY_FILE',
  'SB_REDIS_USER',
  'SB_REDIS_PASSWORD_FILE',
  'SB_REDIS_CA_FILE',
  'SB_REDIS_CERT_FILE',
  'SB_REDIS_KEY_FILE',
]);
/** Defaults that differ from production's: a quick drain keeps `stop()` and restarts short. */
const CLUSTER_DEFAULTS: Readonly<Record<string, string>> = { SB_DRAIN_MS: '500', SB_LOG_LEVEL: 'info' };
const STOP_GRACE_MS = 8_000;
const POLL_MS = 100;

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const hostEnv = options.hostEnv ?? process.env;
  const counts: Record<ClusterRole, number> = {
    edge: count('edges', options.edges ?? 2, 1),
    router: count('routers', options.routers ?? 2, 1),
    presence: count('presence', options.presence ?? 1, 1),
    auth: count('auth', options.auth ?? 1, 1),
    api: count('api', options.api ?? 0, 0),
  };
  // Before anything starts: a missing HAProxy should cost nothing but this message.
  const haproxyBinary = await findBinary('haproxy', searchPath(hostEnv));
  if (haproxyBinary === undefined) {
    throw new Error(
      'haproxy is not installed (not found on PATH): the cluster puts HAProxy in front of its edges. ' +
        'Install it with `apt-get install haproxy` (Debian/Ubuntu package "haproxy").',
    );
  }
  const ownDir = options.logDir === undefined;
  const logDir = options.logDir ?? (await mkdtemp(join(tmpdir(), 'sb-cluster-')));
  await mkdir(logDir, { recursive: true });
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const secret = options.secret ?? CLUSTER_SECRET;
  const ports = new PortPlan(options.ports);

  const started: Array<{ stop(): Promise<void> }> = [];
  const cleanup = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => {});
    if (ownDir) await rm(logDir, { recursive: true, force: true });
  };

  try {
    // The public ports first: a fixed port that is taken should fail before anything starts.
    const haproxyPort = await ports.haproxy();
    const statsPort = await ports.stats();
    const natsPort = options.ports?.nats !== undefined ? await ports.fixed(options.ports.nats) : undefined;
    const redisPort = options.ports?.redis !== undefined ? await ports.fixed(options.ports.redis) : undefined;
    const serverOptions: StartServerOptions = { env: hostEnv };
    const secure = options.insecure !== true;
    const secrets = secure ? await createSecrets(join(logDir, 'secrets')) : undefined;
    const serverTls = secrets && {
      certFile: secrets.pki.serverCertFile,
      keyFile: secrets.pki.serverKeyFile,
      caFile: secrets.pki.caFile,
    };
    const authorization =
      secrets &&
      natsServerConfig({
        credential: (role) => ({ kind: 'password', password: secrets.natsPasswords[role] }),
      });
    const natsCount = options.natsNodes ?? 1;
    const [natsCluster, redis] = await Promise.all([
      natsCount > 1
        ? startNatsCluster({
            nodes: natsCount,
            // Client TLS and the role users on every node; routes between nodes stay on loopback.
            ...(serverTls && authorization !== undefined
              ? { extraConfig: () => natsClientSecurityConfig(serverTls, authorization) }
              : {}),
          })
        : startNatsServer({
            ...serverOptions,
            ...(natsPort !== undefined ? { port: natsPort } : {}),
            ...(serverTls && authorization !== undefined ? { tls: serverTls, authorization } : {}),
          }).then((node) => ({ nodes: [node], url: node.url, stop: () => node.stop() })),
      startRedisServer({
        ...serverOptions,
        ...(redisPort !== undefined ? { port: redisPort } : {}),
        ...(secrets && serverTls
          ? { tls: serverTls, user: { name: REDIS_USER, password: secrets.redisPassword } }
          : {}),
      }),
    ]);
    const natsNodes = natsCluster.nodes;
    const nats = natsNodes[0]!;
    started.push(natsCluster, redis);

    /** Links and credentials of one role; servers from NATS_URL/REDIS_URL are used as they are. */
    const busEnv = (role: BusRole): Record<string, string> => ({
      SB_BUS: 'nats',
      SB_NATS_URL: natsCluster.url,
      SB_STORE: 'redis',
      SB_REDIS_URL: redis.url,
      ...(secrets && nats.owned
        ? {
            SB_NATS_USER: natsUserName(role),
            SB_NATS_PASSWORD_FILE: secrets.natsPasswordFile(role),
            SB_NATS_CA_FILE: secrets.pki.caFile,
          }
        : {}),
      ...(secrets && redis.owned
        ? {
            SB_REDIS_USER: REDIS_USER,
            SB_REDIS_PASSWORD_FILE: secrets.redisPasswordFile,
            SB_REDIS_CA_FILE: secrets.pki.caFile,
          }
        : {}),
    });
    const busOptions = (role: BusRole): ClusterBusOptions => ({
      servers: nats.url,
      inboxPrefix: inboxPrefix(role),
      ...(secrets && nats.owned
        ? {
            auth: { user: natsUserName(role), passwordFile: secrets.natsPasswordFile(role) },
            tls: { caFile: secrets.pki.caFile },
          }
        : {}),
    });

    // Key material goes to the token verifier only: an edge never holds a secret to mint tokens.
    const { keys: callerKeys, rest: callerEnv } = splitKeySettings(withoutManaged(options.env));
    const common: Record<string, string> = {
      ...CLUSTER_DEFAULTS,
      ...callerEnv,
      SB_WS_HOST: '127.0.0.1',
      SB_HTTP_HOST: '127.0.0.1',
      SB_GRPC_HOST: '127.0.0.1',
    };
    const keyEnv: Record<string, string> = { ...callerKeys, SB_JWT_SECRETS: secret };
    const processes: ServiceProcess[] = [];
    const roles: ClusterRole[] = ['edge', 'router', 'presence', 'auth', 'api'];
    for (const role of roles) {
      for (let index = 1; index <= counts[role]; index++) {
        const name = `${role}-${index}`;
        const httpPort = await ports.http();
        const wsPort = role === 'edge' ? await ports.edgeWs() : undefined;
        const grpcPort = role === 'api' ? await ports.grpc() : undefined;
        processes.push(
          new ServiceProcess({
            name,
            role,
            index,
            httpPort,
            wsPort,
            grpcPort,
            logFile: join(logDir, `${name}.log`),
            env: {
              ...common,
              ...busEnv(role),
              ...(role === 'auth' ? keyEnv : {}),
              ...withoutManaged(options.roleEnv?.[role]),
              SB_NODE_ID: name,
              SB_HTTP_PORT: String(httpPort),
              ...(wsPort !== undefined ? { SB_WS_PORT: String(wsPort) } : {}),
              ...(grpcPort !== undefined ? { SB_GRPC_PORT: String(grpcPort) } : {}),
            },
          }),
        );
      }
    }
    started.push({ stop: () => stopAll(processes) });
    await Promise.all(processes.map((p) => p.start(timeoutMs)));
    await Promise.all(processes.map((p) => p.waitReady(timeoutMs)));

    const edges = processes.filter((p) => p.role === 'edge');
    const haproxy = new Haproxy({
      binary: haproxyBinary,
      dir: logDir,
      port: haproxyPort,
      statsPort,
      edges,
      options: options.haproxy ?? {},
    });
    started.push(haproxy);
    await haproxy.start(timeoutMs);

    let stopped: Promise<void> | undefined;
    const cluster: Cluster = {
      wsUrl: haproxy.wsUrl,
      edgeUrls: edges.map((e) => e.wsUrl!),
      nats,
      natsNodes,
      redis,
      haproxy,
      edges,
      routers: processes.filter((p) => p.role === 'router'),
      presence: processes.filter((p) => p.role === 'presence'),
      auth: processes.filter((p) => p.role === 'auth'),
      api: processes.filter((p) => p.role === 'api'),
      grpcTarget: processes
        .filter((p) => p.grpcPort !== undefined)
        .map((p) => `127.0.0.1:${p.grpcPort}`)
        .at(0),
      processes,
      logDir,
      secret,
      secure,
      pki: secrets?.pki,
      busOptions,
      busEnv,
      redisCliArgs: () => [
        '-h',
        '127.0.0.1',
        '-p',
        String(redis.port),
        ...(secrets && redis.owned
          ? [
              '--tls',
              '--cacert',
              secrets.pki.caFile,
              '--user',
              REDIS_USER,
              '--pass',
              secrets.redisPassword,
              '--no-auth-warning',
            ]
          : []),
      ],
      token: (user, o = {}) =>
        mintToken(secret, {
          user,
          join: o.join ?? ['*'],
          publish: o.publish ?? ['*'],
          ...(o.meta ? { meta: o.meta } : {}),
          ...(o.ttlS !== undefined ? { ttlS: o.ttlS } : {}),
        }),
      process(name) {
        const found = processes.find((p) => p.name === name);
        if (!found) throw new Error(`no process "${name}" in this cluster`);
        return found;
      },
      async waitReady(waitMs = 30_000) {
        const deadline = Date.now() + waitMs;
        const wanted = processes.filter((p) => p.wanted);
        await Promise.all(wanted.map((p) => p.waitReady(Math.max(1, deadline - Date.now()))));
        await haproxy.waitEdgesUp(
          edges.filter((e) => e.wanted).map((e) => e.name),
          Math.max(1, deadline - Date.now()),
        );
      },
      async status() {
        const haproxyView = haproxy.running ? await haproxy.servers().catch(() => []) : [];
        const rows: ClusterStatusRow[] = [
          ...(await Promise.all(
            natsNodes.map(async (node, i) =>
              serverRow(
                natsNodes.length > 1 ? `nats-server-${i + 1}` : 'nats-server',
                node,
                `client ${node.port}`,
                await tcpAnswers(node.port),
              ),
            ),
          )),
          serverRow('redis-server', redis, `${redis.port}`, await tcpAnswers(redis.port)),
        ];
        for (const p of processes) {
          const state = await p.readyz();
          const seen = haproxyView.find((s) => s.name === p.name);
          const reasons = state.status === undefined ? ['not running'] : state.reasons;
          rows.push({
            name: p.name,
            pid: p.pid,
            ports: [
              ...(p.wsPort !== undefined ? [`ws ${p.wsPort}`] : []),
              ...(p.grpcPort !== undefined ? [`grpc ${p.grpcPort}`] : []),
              `http ${p.httpPort}`,
            ].join(', '),
            ready: state.ready,
            detail: [...reasons, ...(seen ? [`haproxy: ${seen.status}`] : [])].join('; '),
          });
        }
        const up = haproxyView.filter((s) => s.status === 'UP').length;
        rows.push({
          name: 'haproxy',
          pid: haproxy.pid,
          ports: `ws ${haproxy.port}, stats ${haproxy.statsPort}`,
          ready: haproxy.running && up > 0,
          detail: haproxy.running ? `${haproxy.mode} mode, ${up}/${edges.length} edges up` : 'not running',
        });
        return rows;
      },
      unexpectedExits: () => [
        ...natsNodes.flatMap((node, i) =>
          node.unexpectedExits.map((e) => ({
            name: natsNodes.length > 1 ? `nats-server-${i + 1}` : 'nats-server',
            ...e,
          })),
        ),
        ...redis.unexpectedExits.map((e) => ({ name: 'redis-server', ...e })),
        ...processes.flatMap((p) => p.unexpectedExits.map((e) => ({ name: p.name, ...e }))),
      ],
      async logTail(name, lines = 40) {
        const file =
          name === 'haproxy'
            ? haproxy.logFile
            : name === 'nats' || name === 'nats-server'
              ? nats.logFile
              : /^nats(-server)?-\d+$/.test(name)
                ? natsNodes[Number(name.split('-').at(-1)) - 1]?.logFile
                : name === 'redis' || name === 'redis-server'
                  ? redis.logFile
                  : cluster.process(name).logFile;
        return file ? tail(file, lines) : '(no log)';
      },
      stop: async ({ keepLogs = false } = {}) => {
        if (stopped) return stopped;
        stopped = (async () => {
          await stopAll(processes);
          await haproxy.stop();
          await Promise.all([natsCluster.stop(), redis.stop()]);
          if (ownDir && !keepLogs) await rm(logDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
    return cluster;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

const REDIS_USER = 'switchboard';

/** Token verification keys (read by the auth service only). */
const KEY_SETTINGS = new Set(['SB_JWT_SECRETS', 'SB_JWT_PUBLIC_KEY_FILES']);

function splitKeySettings(env: Record<string, string>): {
  keys: Record<string, string>;
  rest: Record<string, string>;
} {
  const keys: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) (KEY_SETTINGS.has(key) ? keys : rest)[key] = value;
  return { keys, rest };
}

interface ClusterSecrets {
  pki: TestPki;
  natsPasswords: Record<BusRole, string>;
  natsPasswordFile(role: BusRole): string;
  redisPassword: string;
  redisPasswordFile: string;
}

/** A private CA and a random password per NATS role and for Redis, in files (as mounted Secrets). */
async function createSecrets(dir: string): Promise<ClusterSecrets> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pki = await createTestPki(join(dir, 'pki'));
  const password = () => randomBytes(24).toString('base64url');
  const natsPasswords = Object.fromEntries(BUS_ROLES.map((role) => [role, password()])) as Record<
    BusRole,
    string
  >;
  const natsPasswordFile = (role: BusRole) => join(dir, `nats-${role}.password`);
  for (const role of BUS_ROLES) {
    await writeFile(natsPasswordFile(role), `${natsPasswords[role]}\n`, { mode: 0o600 });
  }
  const redisPassword = password();
  const redisPasswordFile = join(dir, 'redis.password');
  await writeFile(redisPasswordFile, `${redisPassword}\n`, { mode: 0o600 });
  return { pki, natsPasswords, natsPasswordFile, redisPassword, redisPasswordFile };
}

function count(what: string, n: number, min: number): number {
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${what} must be a whole number >= ${min}`);
  return n;
}

function withoutManaged(env: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).filter(([key]) => !MANAGED.has(key)));
}

async function stopAll(processes: readonly ServiceProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.stop()));
}

function serverRow(
  name: string,
  server: NatsServerHandle | RedisServerHandle,
  ports: string,
  answers: boolean,
): ClusterStatusRow {
  return {
    name,
    pid: server.pid,
    ports,
    ready: answers,
    detail: server.owned ? (answers ? '' : 'not answering') : 'external',
  };
}

// ---- service processes ------------------------------------------------------------------------

class ServiceProcess implements ClusterProcess {
  readonly name: string;
  readonly role: ClusterRole;
  readonly index: number;
  readonly httpPort: number;
  readonly httpUrl: string;
  readonly wsPort: number | undefined;
  readonly wsUrl: string | undefined;
  readonly grpcPort: number | undefined;
  readonly logFile: string;
  readonly env: Readonly<Record<string, string>>;
  /** Should be running: started and not killed or stopped on purpose since. */
  wanted = false;
  readonly unexpectedExits: ExitInfo[] = [];
  #child: ChildProcess | undefined;
  #exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  #stopped = false;

  constructor(spec: {
    name: string;
    role: ClusterRole;
    index: number;
    httpPort: number;
    wsPort: number | undefined;
    grpcPort: number | undefined;
    logFile: string;
    env: Record<string, string>;
  }) {
    this.name = spec.name;
    this.role = spec.role;
    this.index = spec.index;
    this.httpPort = spec.httpPort;
    this.httpUrl = `http://127.0.0.1:${spec.httpPort}`;
    this.wsPort = spec.wsPort;
    this.wsUrl = spec.wsPort !== undefined ? `ws://127.0.0.1:${spec.wsPort}` : undefined;
    this.grpcPort = spec.grpcPort;
    this.logFile = spec.logFile;
    this.env = spec.env;
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && !hasExited(child);
  }

  /** Spawns the process and waits until its health server answers (it starts first, before NATS). */
  async start(timeoutMs: number): Promise<void> {
    if (this.#stopped) throw new Error(`${this.name} was stopped with the cluster`);
    appendFileSync(this.logFile, `--- ${new Date().toISOString()} starting ${this.name}\n`);
    const { child } = spawnLogged(
      process.execPath,
      ['--import', 'tsx', join('services', this.role, 'src', 'main.ts')],
      {
        logFile: this.logFile,
        cwd: REPO_ROOT,
        env: { ...inheritedEnv(), ...this.env },
        // Its own process group: a Ctrl-C in the terminal reaches the script, which stops
        // the cluster in order, instead of every process at once.
        detached: true,
      },
    );
    this.#child = child;
    this.wanted = true;
    this.#exited = exitOf(child, ({ code, signal }) => {
      if (this.#child === child && this.wanted) {
        // Nobody asked for this exit.
        this.wanted = false;
        this.unexpectedExits.push({ code, signal });
        appendFileSync(
          this.logFile,
          `--- ${this.name} exited unexpectedly (code ${code}, signal ${signal})\n`,
        );
      }
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (hasExited(child)) {
        this.wanted = false;
        throw new Error(
          `${this.name} exited during start-up: ${spawnError(child)?.message ?? ''}\n${await tail(this.logFile, 20)}`,
        );
      }
      if ((await httpGet(`${this.httpUrl}/healthz`)).status === 200) return;
      if (Date.now() > deadline) {
        throw new Error(`${this.name}: no /healthz within ${timeoutMs} ms\n${await tail(this.logFile, 20)}`);
      }
      await sleep(POLL_MS);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    const child = this.#child;
    if (!child || hasExited(child)) return this.#exited;
    this.wanted = false;
    appendFileSync(this.logFile, `--- ${new Date().toISOString()} ${signal} sent by the test harness\n`);
    child.kill(signal);
    return this.#exited;
  }

  async restart(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (this.running) await this.kill('SIGKILL');
    await this.start(timeoutMs);
    await this.waitReady(timeoutMs);
  }

  async readyz(): Promise<Readiness> {
    if (!this.running) return { ready: false, status: undefined, reasons: ['not running'] };
    const reply = await httpGet(`${this.httpUrl}/readyz`);
    if (reply.status === undefined) return { ready: false, status: undefined, reasons: ['not answering'] };
    let reasons: string[] = [];
    try {
      const body = JSON.parse(reply.body) as { reasons?: unknown };
      if (Array.isArray(body.reasons)) reasons = body.reasons.map(String);
    } catch {
      reasons = [reply.body.slice(0, 200)];
    }
    return { ready: reply.status === 200, status: reply.status, reasons };
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: Readiness | undefined;
    for (;;) {
      const child = this.#child;
      if (!child || hasExited(child)) {
        throw new Error(`${this.name} is not running (waiting for ready)\n${await tail(this.logFile, 20)}`);
      }
      last = await this.readyz();
      if (last.ready) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} not ready within ${timeoutMs} ms (${last.reasons.join(', ')})\n${await tail(this.logFile, 20)}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  /** SIGTERM (drain, stop, exit 0); SIGKILL if it is still there after the grace. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const child = this.#child;
    if (!child || hasExited(child)) return;
    this.wanted = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.kill('SIGTERM');
    await this.#exited;
    clearTimeout(timer);
  }
}

/** This process's environment without SB_* settings: a cluster is configured only by its options. */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('SB_')) out[key] = value;
  }
  return out;
}

// ---- HAProxy ----------------------------------------------------------------------------------

class Haproxy implements HaproxyHandle {
  readonly port: number;
  readonly statsPort: number;
  readonly wsUrl: string;
  readonly statsUrl: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly mode: 'http' | 'tcp';
  readonly #binary: string;
  readonly #edges: readonly ClusterProcess[];
  readonly #options: HaproxyOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });

  constructor(spec: {
    binary: string;
    dir: string;
    port: number;
    statsPort: number;
    edges: readonly ClusterProcess[];
    options: HaproxyOptions;
  }) {
    this.#binary = spec.binary;
    this.port = spec.port;
    this.statsPort = spec.statsPort;
    this.wsUrl = `ws://127.0.0.1:${spec.port}`;
    this.statsUrl = `http://127.0.0.1:${spec.statsPort}/stats`;
    this.configFile = join(spec.dir, 'haproxy.cfg');
    this.logFile = join(spec.dir, 'haproxy.log');
    this.#edges = spec.edges;
    this.#options = spec.options;
    this.mode = spec.options.mode ?? 'http';
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    return this.#child !== undefined && !hasExited(this.#child);
  }

  config(): string {
    const o = this.#options;
    const inter = o.checkIntervalMs ?? 500;
    const http = this.mode === 'http';
    const servers = this.#edges.map(
      (e) => `  server ${e.name} 127.0.0.1:${e.wsPort} check port ${e.httpPort}`,
    );
    return [
      '# Generated by @switchboard/testing (cluster.ts): HAProxy in front of the edges.',
      'global',
      '  log stdout format raw local0 info',
      '  maxconn 4096',
      // A reload or stop never waits on long-lived WebSockets for more than this.
      '  hard-stop-after 3s',
      '',
      'defaults',
      `  mode ${this.mode}`,
      '  log global',
      http ? '  option httplog' : '  option tcplog',
      '  option log-health-checks',
      '  timeout connect 1s',
      '  timeout client 60s',
      '  timeout server 60s',
      // WebSockets are long-lived: once upgraded, only a whole hour of silence ends one.
      '  timeout tunnel 1h',
      '  timeout client-fin 2s',
      '  timeout server-fin 2s',
      ...(http ? ['  timeout http-request 5s'] : []),
      // A connect to an edge that died but is not marked down yet is retried on another edge;
      // in http mode so is an upgrade refused with 503 (a draining edge HAProxy has not checked yet).
      '  retries 2',
      '  option redispatch 1',
      ...(http ? ['  retry-on conn-failure empty-response 503'] : []),
      '',
      'frontend websocket',
      `  bind 127.0.0.1:${this.port}`,
      ...(http ? ['  option forwardfor'] : []),
      '  default_backend edges',
      '',
      'backend edges',
      `  balance ${o.balance ?? 'roundrobin'}`,
      // Health: the edge's /readyz on its HTTP port (503 while draining or while NATS is down).
      '  option httpchk',
      '  http-check send meth GET uri /readyz',
      '  http-check expect status 200',
      `  default-server inter ${inter}ms fastinter ${inter}ms downinter ${inter}ms fall ${o.fall ?? 1} rise ${o.rise ?? 2}`,
      ...servers,
      '',
      'frontend stats',
      `  bind 127.0.0.1:${this.statsPort}`,
      '  mode http',
      // Polled often by the harness: keep it out of the log.
      '  http-request set-log-level silent',
      '  stats enable',
      '  stats uri /stats',
      '',
    ].join('\n');
  }

  async start(timeoutMs: number): Promise<void> {
    await writeFile(this.configFile, this.config());
    appendFileSync(this.logFile, `--- ${new Date().toISOString()} starting haproxy\n`);
    // -db: foreground, no daemon; logs to stdout (the log file).
    const { child } = spawnLogged(this.#binary, ['-db', '-f', this.configFile], {
      logFile: this.logFile,
      cwd: tmpdir(),
      detached: true,
    });
    this.#child = child;
    this.#exited = exitOf(child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (hasExited(child)) {
        throw new Error(
          `haproxy exited during start-up: ${spawnError(child)?.message ?? ''}\n${await tail(this.logFile, 20)}`,
        );
      }
      // HAProxy binds every frontend before it serves any: stats answering means the WebSocket port listens.
      if ((await httpGet(`${this.statsUrl};csv`)).status === 200) break;
      if (Date.now() > deadline) {
        throw new Error(`haproxy did not start within ${timeoutMs} ms\n${await tail(this.logFile, 20)}`);
      }
      await sleep(POLL_MS);
    }
    await this.waitEdgesUp(
      this.#edges.filter((e) => e.running).map((e) => e.name),
      Math.max(1, deadline - Date.now()),
    );
  }

  async servers(): Promise<HaproxyServerState[]> {
    const reply = await httpGet(`${this.statsUrl};csv`);
    if (reply.status !== 200) throw new Error(`haproxy stats answered ${reply.status ?? 'nothing'}`);
    const lines = reply.body.split('\n').filter((l) => l.length > 0);
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const col = (name: string) => header.indexOf(name);
    const [px, sv, status, check, scur] = ['pxname', 'svname', 'status', 'check_status', 'scur'].map(col);
    const out: HaproxyServerState[] = [];
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      if (f[px!] !== 'edges' || f[sv!] === 'BACKEND' || f[sv!] === 'FRONTEND') continue;
      out.push({
        name: f[sv!] ?? '',
        status: f[status!] ?? '',
        check: f[check!] ?? '',
        sessions: Number(f[scur!] ?? 0),
      });
    }
    return out;
  }

  /** Until each named edge is UP after a good check, and the others are not UP. */
  async waitEdgesUp(names: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: HaproxyServerState[] = [];
    for (;;) {
      if (!this.running) throw new Error(`haproxy is not running\n${await tail(this.logFile, 20)}`);
      last = await this.servers().catch(() => []);
      const ok =
        last.length > 0 &&
        last.every((s) =>
          names.includes(s.name) ? s.status === 'UP' && s.check.startsWith('L7OK') : s.status !== 'UP',
        );
      if (ok) return;
      if (Date.now() > deadline) {
        throw new Error(
          `haproxy: edges not in the expected state within ${timeoutMs} ms (want up: ${names.join(', ')}; ` +
            `have: ${last.map((s) => `${s.name} ${s.status} ${s.check}`).join(', ')})`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    const child = this.#child;
    if (!child || hasExited(child)) return this.#exited;
    child.kill(signal);
    return this.#exited;
  }

  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.start(30_000);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || hasExited(child)) return;
    // SIGTERM is HAProxy's immediate stop; SIGKILL if that somehow hangs.
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.kill('SIGTERM');
    await this.#exited;
    clearTimeout(timer);
  }
}

// ---- ports, HTTP, files -----------------------------------------------------------------------

class PortPlan {
  readonly #fixed: ClusterOptions['ports'];
  readonly #taken = new Set<number>();
  #nextEdge: number | undefined;
  #nextHttp: number | undefined;
  #nextGrpc: number | undefined;

  constructor(fixed: ClusterOptions['ports']) {
    this.#fixed = fixed;
    this.#nextEdge = fixed?.edgeWs;
    this.#nextHttp = fixed?.http;
    this.#nextGrpc = fixed?.grpc;
  }

  /** A port given by the caller: checked free and not given twice. */
  fixed(port: number): Promise<number> {
    return this.#pick(port);
  }
  grpc(): Promise<number> {
    const port = this.#nextGrpc;
    if (port !== undefined) this.#nextGrpc = port + 1;
    return this.#pick(port);
  }

  haproxy(): Promise<number> {
    return this.#pick(this.#fixed?.haproxy);
  }
  stats(): Promise<number> {
    return this.#pick(this.#fixed?.stats);
  }
  edgeWs(): Promise<number> {
    const port = this.#nextEdge;
    if (port !== undefined) this.#nextEdge = port + 1;
    return this.#pick(port);
  }
  http(): Promise<number> {
    const port = this.#nextHttp;
    if (port !== undefined) this.#nextHttp = port + 1;
    return this.#pick(port);
  }

  async #pick(fixed: number | undefined): Promise<number> {
    if (fixed !== undefined) {
      if (this.#taken.has(fixed)) throw new Error(`port ${fixed} is assigned twice; choose other ports`);
      if (!(await canBind(fixed))) throw new Error(`port ${fixed} is in use; choose another (see --help)`);
      this.#taken.add(fixed);
      return fixed;
    }
    for (;;) {
      const port = await freePort();
      if (!this.#taken.has(port)) {
        this.#taken.add(port);
        return port;
      }
    }
  }
}

function httpGet(url: string, timeoutMs = 1_000): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve({ status: undefined, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: undefined, body: '' }));
    req.end();
  });
}

function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

async function tail(file: string, lines: number): Promise<string> {
  try {
    return (await readFile(file, 'utf8'))
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `tls {}` and `authorization {}` blocks of a secured nats-server, for each cluster node. */
function natsClientSecurityConfig(
  tls: { certFile: string; keyFile: string; caFile: string },
  authorization: string,
): string {
  return [
    'tls {',
    `  cert_file: ${JSON.stringify(tls.certFile)}`,
    `  key_file: ${JSON.stringify(tls.keyFile)}`,
    `  ca_file: ${JSON.stringify(tls.caFile)}`,
    '  timeout: 2',
    '}',
    authorization,
  ].join('\n');
}

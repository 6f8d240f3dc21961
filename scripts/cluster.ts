import { parseArgs } from 'node:util';
import { DEV_API_KEY } from '@switchboard/api/dev-key';
import { DEV_JWT_SECRET } from '@switchboard/auth';
import { SwitchboardClient } from '@switchboard/client';
import type { MessagePush } from '@switchboard/protocol';
import { type Cluster, type ClusterStatusRow, startCluster } from '@switchboard/testing';
import { WebSocket } from 'ws';

const usage = `Runs a local Switchboard cluster: nats-server, redis-server, the services as separate
processes (2 edges, 2 routers, 1 presence, 1 auth, 1 api by default) and HAProxy in front of the
edges.

  pnpm cluster            start it, print its health, run until Ctrl-C
  pnpm cluster --check    start it, check health and a publish/deliver round trip across
                          edges, print the table, stop; exit 0 when all is well, else 1

  --ws-port <n>       HAProxy's WebSocket port, what clients use (default 8080)
  --grpc-port <n>     the api service's gRPC port, what the CLI uses (default 50051)
  --nats-port <n>     nats-server's client port (default: a free port)
  --nats-nodes <n>    nats-server processes; 3 runs a NATS cluster, routes on loopback (default 1)
  --redis-port <n>    redis-server's port (default: a free port)
  --stats-port <n>    HAProxy's stats page (default 8404)
  --edge-port <n>     first edge's own WebSocket port; the next edges count up (default 8081)
  --http-port <n>     first /readyz + /metrics port; each process takes the next (default 9091)
  --edges <n>         edges (default 2)
  --routers <n>       routers (default 2)
  --api <n>           api services (default 1; 0 for none)
  --mode <http|tcp>   HAProxy mode (default http)
  --balance <roundrobin|leastconn>   (default roundrobin)
  --log-dir <dir>     where process logs go (default: a temp dir, kept after Ctrl-C)
  --insecure          plain NATS and Redis without credentials (default: one NATS user per role with
                      the permissions of \`switchboard nats-config\`, a Redis ACL user, TLS with a
                      private CA created for the run; secrets in <log dir>/secrets)

Needs nats-server, redis-server and haproxy (Debian: apt-get install nats-server redis-server haproxy).
SB_* variables set in your shell (e.g. SB_HISTORY_SIZE, SB_JWT_SECRETS) are passed to every service,
except the ones the cluster sets itself (bus, store, URLs, hosts, ports, node ids).`;

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    'ws-port': { type: 'string', default: '8080' },
    'grpc-port': { type: 'string', default: '50051' },
    'nats-port': { type: 'string' },
    'nats-nodes': { type: 'string', default: '1' },
    'redis-port': { type: 'string' },
    api: { type: 'string', default: '1' },
    'stats-port': { type: 'string', default: '8404' },
    'edge-port': { type: 'string', default: '8081' },
    'http-port': { type: 'string', default: '9091' },
    edges: { type: 'string', default: '2' },
    routers: { type: 'string', default: '2' },
    mode: { type: 'string', default: 'http' },
    balance: { type: 'string', default: 'roundrobin' },
    'log-dir': { type: 'string' },
    insecure: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

function whole(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")\n\n${usage}`);
    process.exit(2);
  }
  return n;
}
const mode = values.mode;
const balance = values.balance;
if ((mode !== 'http' && mode !== 'tcp') || (balance !== 'roundrobin' && balance !== 'leastconn')) {
  console.error(`--mode must be http or tcp and --balance roundrobin or leastconn\n\n${usage}`);
  process.exit(2);
}

// The shell's SB_* settings go to every service; the token command below reads the same secret.
const shellEnv: Record<string, string> = {};
for (const [key, value] of Object.entries(process.env)) {
  if (key.startsWith('SB_') && value !== undefined) shellEnv[key] = value;
}
const firstOf = (list: string | undefined) =>
  (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .find((s) => s.length > 0);
const secret = firstOf(shellEnv['SB_JWT_SECRETS']) ?? DEV_JWT_SECRET;
// The key the api service accepts: the shell's SB_API_KEYS, else the development key.
const apiKey = firstOf(shellEnv['SB_API_KEYS']) ?? DEV_API_KEY;

const check = values.check;
const startedAt = Date.now();
console.log(check ? 'Starting the cluster for a check…' : 'Starting the cluster…');

let cluster: Cluster;
try {
  cluster = await startCluster({
    edges: whole('edges', values.edges, 1, 16),
    routers: whole('routers', values.routers, 1, 16),
    api: whole('api', values.api, 0, 16),
    natsNodes: whole('nats-nodes', values['nats-nodes'], 1, 9),
    env: shellEnv,
    secret,
    haproxy: { mode, balance },
    insecure: values.insecure,
    ports: {
      haproxy: whole('ws-port', values['ws-port'], 1, 65_535),
      stats: whole('stats-port', values['stats-port'], 1, 65_535),
      edgeWs: whole('edge-port', values['edge-port'], 1, 65_535),
      http: whole('http-port', values['http-port'], 1, 65_535),
      grpc: whole('grpc-port', values['grpc-port'], 1, 65_535),
      ...(values['nats-port'] !== undefined
        ? { nats: whole('nats-port', values['nats-port'], 1, 65_535) }
        : {}),
      ...(values['redis-port'] !== undefined
        ? { redis: whole('redis-port', values['redis-port'], 1, 65_535) }
        : {}),
    },
    ...(values['log-dir'] !== undefined ? { logDir: values['log-dir'] } : {}),
  });
} catch (error) {
  console.error(`\nThe cluster could not start:\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let stoppingSince: number | undefined;
async function shutdown(code: number, keepLogs: boolean): Promise<void> {
  if (stoppingSince !== undefined) {
    // The terminal's Ctrl-C reaches us twice (directly and relayed by tsx): only a signal well
    // after the first means "stop now" (the watchdogs still kill every child as we exit).
    if (Date.now() - stoppingSince > 1_000) process.exit(1);
    return;
  }
  stoppingSince = Date.now();
  await cluster.stop({ keepLogs }).catch((error: unknown) => console.error('stop failed:', error));
  if (keepLogs) console.log(`Stopped. Logs kept in ${cluster.logDir}`);
  process.exit(code);
}

if (check) {
  let ok = false;
  try {
    await roundTrip(cluster);
    ok = true;
  } catch (error) {
    console.error(`\nCHECK FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
  const rows = await cluster.status();
  printTable(rows);
  ok &&= rows.every((r) => r.ready);
  if (!ok) {
    console.error(`\nLogs (kept): ${cluster.logDir}`);
    for (const r of rows.filter((row) => !row.ready)) {
      console.error(`\n--- ${r.name} ---\n${await cluster.logTail(r.name, 15)}`);
    }
  } else {
    console.log(`\nCheck passed in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
  }
  await shutdown(ok ? 0 : 1, !ok);
} else {
  printTable(await cluster.status());
  console.log(`
Ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.

  WebSocket (through HAProxy):  ${cluster.wsUrl}
  Edges directly:               ${cluster.edgeUrls.join('  ')}
  HAProxy stats:                ${cluster.haproxy.statsUrl}
  Logs:                         ${cluster.logDir}
                                (tail -f ${cluster.logDir}/edge-1.log)
  Bus:                          ${cluster.secure ? `NATS users per role + TLS, Redis ACL + TLS (CA and passwords in ${cluster.logDir}/secrets)` : 'INSECURE: plain NATS and Redis, no credentials'}

${cliLine(cluster)}
A development token (in another terminal):

  TOKEN=$(pnpm -s run token --user alice --rooms 'chat:*' --name Alice)
  npx wscat -c ${cluster.wsUrl}
  {"op":"connect","id":1,"token":"<paste $TOKEN>"}

Kill a part to see the cluster cope, e.g. kill -9 <pid of edge-1>. Ctrl-C stops everything.`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stoppingSince === undefined) console.log(`\n${signal}: stopping the cluster…`);
      void shutdown(0, true);
    });
  }
  // Report parts that die while it runs (someone's kill -9, or a crash), loudly, on stderr.
  let reported = 0;
  const monitor = setInterval(() => {
    const exits = cluster.unexpectedExits();
    if (stoppingSince !== undefined) return;
    for (const exit of exits.slice(reported)) void reportDeath(cluster, exit);
    reported = exits.length;
  }, 500);
  monitor.unref();
  // Keep running until a signal.
  setInterval(() => {}, 1 << 30);
}

/** What to paste to use the CLI against this cluster (nothing without an api service). */
function cliLine(c: Cluster): string {
  if (c.grpcTarget === undefined)
    return '\nNo api service (--api 0): the switchboard CLI has nothing to talk to.\n';
  const env = [
    `SWITCHBOARD_GRPC=${c.grpcTarget}`,
    `SWITCHBOARD_API_KEY=${apiKey}`,
    `SWITCHBOARD_URL=${c.wsUrl}`,
    `SWITCHBOARD_JWT_SECRET=${secret}`,
  ].join(' ');
  return `
The CLI, ready to paste (server API on ${c.grpcTarget}):

  export ${env}
  pnpm -s switchboard info
`;
}

/** A part died on its own: say so on stderr with how it ended and what it logged last. */
async function reportDeath(c: Cluster, exit: { name: string; code: number | null; signal: string | null }) {
  const how = exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  const log = await c.logTail(exit.name, 10).catch(() => '(no log)');
  console.error(
    `\n!!! ${exit.name} DIED (${how}, code ${exit.code}, signal ${exit.signal}). The cluster is degraded.\n` +
      `--- last lines of its log ---\n${log.trimEnd()}\n---`,
  );
}

/** Two clients on different edges (directly) and one through HAProxy: a message from each reaches all. */
async function roundTrip(c: Cluster): Promise<void> {
  const room = `check:${Date.now().toString(36)}`;
  const urls = [c.edgeUrls[0]!, c.edgeUrls[1] ?? c.edgeUrls[0]!, c.wsUrl];
  const clients = urls.map(
    (url, i) =>
      new SwitchboardClient({
        url,
        token: c.token(`check-${i}`, { join: ['check:*'], publish: ['check:*'] }),
        WebSocket,
        reconnect: false,
        requestTimeoutMs: 5_000,
        connectTimeoutMs: 5_000,
      }),
  );
  const received = clients.map(() => [] as MessagePush[]);
  for (const [i, client] of clients.entries()) client.on('message', (m) => received[i]!.push(m));
  try {
    const nodes: string[] = [];
    for (const client of clients) {
      const session = await client.connect();
      nodes.push(session.node);
      await client.join(room);
    }
    console.log(`Round trip: clients on ${nodes.join(', ')} (the last one through HAProxy)`);
    const t0 = Date.now();
    for (const [i, client] of clients.entries()) await client.publish(room, 'check', { from: i });
    const deadline = Date.now() + 10_000;
    while (received.some((r) => r.length < clients.length)) {
      if (Date.now() > deadline) {
        throw new Error(
          `messages did not arrive everywhere within 10 s (received: ${received.map((r) => r.length).join('/')})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const r of received) {
      const offsets = r.map((m) => m.offset).join(',');
      if (offsets !== '1,2,3') throw new Error(`a client saw offsets ${offsets}, expected 1,2,3`);
    }
    console.log(
      `Round trip OK: 3 publishes delivered to 3 clients on ${new Set(nodes).size} edges in ${Date.now() - t0} ms`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.disconnect().catch(() => [])));
  }
}

function printTable(rows: ClusterStatusRow[]): void {
  const table = [
    ['name', 'pid', 'ports', 'ready', 'detail'],
    ...rows.map((r) => [r.name, String(r.pid ?? '-'), r.ports, r.ready ? 'yes' : 'NO', r.detail]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  console.log('');
  for (const [i, row] of table.entries()) {
    console.log(
      row
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/**
 * What securing the bus costs: the same work against a 1-edge cluster with plain NATS/Redis
 * and with NATS users + permissions + TLS and Redis ACL + TLS (the default), in one run.
 *
 *   pnpm tsx bench/bus-security.ts [--connects 200] [--publishes 2000] [--rounds 2]
 *
 * Per mode: `connects` NATS connections opened and closed as the backend role (TLS handshake
 * and authentication), then `publishes` WebSocket publishes through the cluster, awaited one
 * by one (each: edge → router request over NATS, Redis history write, delivery to the room).
 * Reported: wall time and CPU-seconds of this process (the clients) and of the cluster's
 * processes (nats-server, redis-server, the services), read from /proc.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NatsBus } from '@switchboard/bus/nats';
import { type Cluster, connectSocket, startCluster } from '@switchboard/testing';

const { values } = parseArgs({
  options: {
    connects: { type: 'string', default: '200' },
    publishes: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '2' },
  },
});
const CONNECTS = Number(values.connects);
const PUBLISHES = Number(values.publishes);
const ROUNDS = Number(values.rounds);
const TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime of a process, seconds (0 when it is gone). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

function clusterCpu(cluster: Cluster): number {
  const pids = [cluster.nats.pid, cluster.redis.pid, ...cluster.processes.map((p) => p.pid)];
  return pids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0);
}

function selfCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Sample {
  wallS: number;
  clientCpuS: number;
  clusterCpuS: number;
}

async function measure(cluster: Cluster, work: () => Promise<void>): Promise<Sample> {
  const [t0, c0, k0] = [performance.now(), selfCpu(), clusterCpu(cluster)];
  await work();
  return {
    wallS: (performance.now() - t0) / 1000,
    clientCpuS: selfCpu() - c0,
    clusterCpuS: clusterCpu(cluster) - k0,
  };
}

async function runMode(insecure: boolean): Promise<{ connect: Sample; publish: Sample }> {
  const cluster = await startCluster({
    edges: 1,
    routers: 1,
    insecure,
    env: {
      SB_LOG_LEVEL: 'warn',
      SB_USER_PUBLISH_RATE: '0',
      SB_CONNECTION_RATE: '100000',
      SB_CONNECTION_BURST: '100000',
    },
  });
  try {
    const options = cluster.busOptions('backend');
    const connect = await measure(cluster, async () => {
      for (let i = 0; i < CONNECTS; i++) {
        const bus = await NatsBus.connect({ ...options, name: 'bench' });
        await bus.flush();
        await bus.close();
      }
    });
    const socket = await connectSocket(cluster.wsUrl, cluster.token('bench'));
    await socket.call({ op: 'join', room: 'bench' });
    const publish = await measure(cluster, async () => {
      for (let i = 0; i < PUBLISHES; i++) {
        await socket.call({ op: 'publish', room: 'bench', event: 'e', data: i });
      }
    });
    socket.close();
    return { connect, publish };
  } finally {
    await cluster.stop();
  }
}

const fmt = (s: Sample, n: number) =>
  `wall ${s.wallS.toFixed(2)} s (${((s.wallS / n) * 1000).toFixed(2)} ms each), ` +
  `client CPU ${s.clientCpuS.toFixed(2)} s, cluster CPU ${s.clusterCpuS.toFixed(2)} s ` +
  `(${((s.clusterCpuS / n) * 1e6).toFixed(0)} µs each)`;

console.log(`${CONNECTS} NATS connects and ${PUBLISHES} WebSocket publishes per mode, ${ROUNDS} rounds\n`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const insecure of [true, false]) {
    const label = insecure ? 'plain (no auth, no TLS)  ' : 'secure (auth + TLS)      ';
    const r = await runMode(insecure);
    console.log(`round ${round} ${label} connect: ${fmt(r.connect, CONNECTS)}`);
    console.log(`round ${round} ${label} publish: ${fmt(r.publish, PUBLISHES)}`);
  }
}
process.exit(0);

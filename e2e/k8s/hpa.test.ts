/**
 * The edge HPA acting on the connection metric on a real single-node Kubernetes
 * (scripts/k8s-node-chart-test.sh with SWITCHBOARD_K8S_HPA=1: a real Prometheus scraping the
 * edge pods, prometheus-adapter serving switchboard_edge_connections as custom.metrics.k8s.io,
 * the chart installed with edge.autoscaling on, min 1, max 2, SB_K8S_HPA_TARGET connections per
 * pod and a short scale-down window). Connections above the target scale the edge Deployment to
 * 2; once they close it scales back to 1 after the stabilisation window, and the removed pod's
 * remaining clients are closed with 4000 (drain) while the kept pod's stay open. Skipped without
 * SB_K8S_HPA.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mintToken } from '@switchboard/auth';
import { CloseCode } from '@switchboard/protocol';
import { openSocket, type TestSocket } from '@switchboard/testing';
import { afterAll, describe, expect, it } from 'vitest';

const env = (name: string) => process.env[name] ?? '';
const EDGE = env('SB_K8S_EDGE'); // ClusterIP:port of the edge Service
const NAMESPACE = env('SB_K8S_NAMESPACE');
const SECRET = env('SB_K8S_JWT_SECRET');
const EDGE_NAME = env('SB_K8S_EDGE_DEPLOYMENT') || 'sb-switchboard-edge'; // Deployment and HPA
const TARGET = Number(env('SB_K8S_HPA_TARGET') || '20');
const run = promisify(execFile);

interface Client {
  socket: TestSocket;
  /** The edge pod serving it (the edge reports SB_NODE_ID, the pod's name). */
  pod: string;
}
interface EdgePod {
  metadata: { name: string; deletionTimestamp?: string };
  status: { conditions?: Array<{ type: string; status: string }> };
}
interface Hpa {
  status: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: unknown[] | null };
}

async function kubectlJson<T>(...args: string[]): Promise<T> {
  const { stdout } = await run('kubectl', ['--namespace', NAMESPACE, ...args, '-o', 'json']);
  return JSON.parse(stdout) as T;
}

/** The edge pods that are Ready and not terminating. */
async function readyEdgePods(): Promise<string[]> {
  const pods = await kubectlJson<{ items: EdgePod[] }>(
    'get',
    'pods',
    '-l',
    'app.kubernetes.io/component=edge',
  );
  return pods.items
    .filter(
      (pod) =>
        !pod.metadata.deletionTimestamp &&
        pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
    .map((pod) => pod.metadata.name)
    .sort();
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Waits until the HPA wants `replicas` and exactly that many edge pods are Ready. */
function scaledTo(replicas: number, timeoutMs: number): Promise<string[]> {
  return waitFor(`the edge scaled to ${replicas}`, timeoutMs, async () => {
    const hpa = await kubectlJson<Hpa>('get', 'hpa', EDGE_NAME);
    if (hpa.status.desiredReplicas !== replicas) return undefined;
    const pods = await readyEdgePods();
    return pods.length === replicas ? pods : undefined;
  });
}

const clients: Client[] = [];
let nextUser = 0;
async function connect(): Promise<Client> {
  const socket = await openSocket(`ws://${EDGE}`);
  const { node } = await socket.call({
    op: 'connect',
    token: mintToken(SECRET, { user: `hpa-${nextUser++}`, join: ['chat:*'] }),
  });
  const client = { socket, pod: node };
  clients.push(client);
  return client;
}

describe.skipIf(!EDGE || !env('SB_K8S_HPA'))('the edge HPA on a single-node Kubernetes', () => {
  afterAll(() => {
    for (const { socket } of clients) if (socket.isOpen()) socket.close();
  });

  it('scales the edge up past the connection target, and back down after the window, draining the removed pod with 4000', async () => {
    const started = Date.now();
    const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;
    // One edge, and the HPA reading the metric through prometheus-adapter.
    const [first] = await scaledTo(1, 90_000);
    await waitFor('the HPA reading switchboard_edge_connections', 90_000, async () => {
      const hpa = await kubectlJson<Hpa>('get', 'hpa', EDGE_NAME);
      return hpa.status.currentMetrics?.length ? true : undefined;
    });

    // Well past the target on the one edge: the HPA wants ceil(load / target) > 2, capped at 2.
    const load = Array.from({ length: Math.ceil(TARGET * 2.5) }, () => connect());
    const loaded = await Promise.all(load);
    expect(new Set(loaded.map((c) => c.pod))).toEqual(new Set([first]));
    const pods = await scaledTo(2, 120_000);
    console.log(`hpa: scaled up to ${pods.join(', ')} after ${seconds()}`);

    // Two clients on each edge (the Service spreads new connections), few enough that the HPA
    // wants one edge again once the load is gone. kube-proxy learns the new pod's endpoint a
    // moment after the pod is Ready: until then every connection lands on the first edge, so
    // a client landing on an edge that already has two is closed again and the next one is
    // tried a little later.
    const stay: Client[] = [];
    const on = (pod: string) => stay.filter((c) => c.pod === pod).length;
    await waitFor('two clients on each edge', 90_000, async () => {
      const client = await connect();
      if (on(client.pod) < 2) stay.push(client);
      else client.socket.close();
      return pods.every((pod) => on(pod) >= 2) ? true : undefined;
    });
    for (const pod of pods) expect(on(pod)).toBe(2);

    for (const { socket } of loaded) socket.close();
    await Promise.all(loaded.map((c) => c.socket.closed));
    const [kept] = await scaledTo(1, 150_000);
    const removed = pods.find((pod) => pod !== kept);
    console.log(`hpa: scaled down to ${kept} (removed ${removed}) after ${seconds()}`);
    expect(pods).toContain(kept);

    // The removed edge drained its clients with 4000; the kept edge's clients stay connected.
    const drained = stay.filter((c) => c.pod === removed);
    const codes = await Promise.all(drained.map((c) => c.socket.closed.then((closed) => closed.code)));
    expect(codes).toEqual(drained.map(() => CloseCode.Shutdown));
    for (const client of stay.filter((c) => c.pod === kept)) expect(client.socket.isOpen()).toBe(true);
    console.log(`hpa: ${drained.length} clients drained with 4000 after ${seconds()}`);
  }, 300_000);
});

import { fileURLToPath } from 'node:url';
import { type Cluster, freePort, spawnTsx } from '@switchboard/testing';

const API_MAIN = fileURLToPath(new URL('../../services/api/src/main.ts', import.meta.url));
export const API_KEY = 'observability-test-key-0123456789abcdef';

export interface ApiProcess {
  /** /healthz, /readyz, /metrics */
  httpUrl: string;
  /** `127.0.0.1:<port>` of the gRPC API */
  grpcUrl: string;
  stop(): void;
}

/** The api service as its own process next to a test cluster (which has no api role). */
export async function startApiProcess(
  cluster: Cluster,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const child = spawnTsx(API_MAIN, [], {
    // The cluster's NATS URL and, when it is secured, the api identity's credentials and CA.
    ...cluster.busEnv('api'),
    SB_HTTP_HOST: '127.0.0.1',
    SB_HTTP_PORT: String(httpPort),
    SB_GRPC_HOST: '127.0.0.1',
    SB_GRPC_PORT: String(grpcPort),
    SB_API_KEYS: API_KEY,
    SB_NODE_ID: 'api-1',
    SB_LOG_LEVEL: 'warn',
    ...env,
  });
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${httpUrl}/readyz`).catch(() => undefined))?.status !== 200) {
    if (child.child.exitCode !== null || Date.now() > deadline) {
      child.child.kill('SIGKILL');
      throw new Error(
        `the api service did not get ready:\n${child.stderr()}\n${child.stdout().slice(-2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { httpUrl, grpcUrl: `127.0.0.1:${grpcPort}`, stop: () => child.child.kill('SIGKILL') };
}

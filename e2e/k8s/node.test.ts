/**
 * The Helm chart's pods on a real single-node Kubernetes (scripts/k8s-node-chart-test.sh starts
 * the node, installs the chart and sets the variables below): a client connects to an edge pod,
 * joins, receives a publish made through the api pod's gRPC server, and is closed with 4000 when
 * its edge pod is deleted (SIGTERM → drain). Both are reached through their Services' ClusterIPs
 * (kube-proxy on the node). Skipped without SB_K8S_EDGE.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mintToken } from '@switchboard/auth';
import { CloseCode } from '@switchboard/protocol';
import { GrpcServerClient } from '@switchboard/server-sdk';
import { connectSocket } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';

const env = (name: string) => process.env[name] ?? '';
const EDGE = env('SB_K8S_EDGE'); // ClusterIP:port of the edge Service
const EDGE_POD = env('SB_K8S_EDGE_POD');
const API = env('SB_K8S_API'); // ClusterIP:port of the api Service
const NAMESPACE = env('SB_K8S_NAMESPACE');
const SECRET = env('SB_K8S_JWT_SECRET');
const API_KEY = env('SB_K8S_API_KEY');
const run = promisify(execFile);

describe.skipIf(!EDGE)('the chart on a single-node Kubernetes', () => {
  it('an edge pod serves a client that receives a publish made through the api, and drains it with 4000 on deletion', async () => {
    const socket = await connectSocket(
      `ws://${EDGE}`,
      mintToken(SECRET, { user: 'alice', join: ['chat:*'], publish: ['chat:*'] }),
    );
    await socket.call({ op: 'join', room: 'chat:k8s' });

    const api = new GrpcServerClient({ url: API, apiKey: API_KEY });
    try {
      const sent = await api.publish({ room: 'chat:k8s', event: 'say', data: { text: 'from the api' } });
      expect(await socket.push('msg')).toMatchObject({
        room: 'chat:k8s',
        offset: sent.offset,
        data: { text: 'from the api' },
      });
    } finally {
      await api.close();
    }

    await run('kubectl', ['--namespace', NAMESPACE, 'delete', 'pod', EDGE_POD, '--wait=false']);
    expect((await socket.closed).code).toBe(CloseCode.Shutdown);
  }, 60_000);
});

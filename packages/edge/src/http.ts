import { createServer, type Server } from 'node:http';
import { type Listening, listen } from '@switchboard/runtime';
import type { Edge } from './edge.js';
import { UPGRADE_REQUIRED_BODY } from './upgrade-gate.js';

export type HttpServers = Listening;

/**
 * The WebSocket port. It speaks only the WebSocket upgrade: a plain HTTP request gets
 * 426 Upgrade Required, so HTTP and WebSocket never share a port by accident.
 */
export async function listenEdge(edge: Edge, options: { host: string; port: number }): Promise<HttpServers> {
  const server: Server = createServer((_req, res) => {
    res
      .writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade', 'Content-Type': 'application/json' })
      .end(UPGRADE_REQUIRED_BODY);
  });
  server.on('upgrade', (req, socket, head) => edge.handleUpgrade(req, socket, head));
  // Slowloris guard: a client gets this long to finish its request headers.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return listen(server, options.host, options.port);
}

import { createServer, type Server } from 'node:http';
import type { Edge } from './edge.js';
import { UPGRADE_REQUIRED_BODY } from './upgrade-gate.js';

/**
 * The WebSocket port's HTTP server (not yet listening: the process that runs the edge starts
 * it). It speaks only the WebSocket upgrade: a plain HTTP request gets 426 Upgrade Required,
 * so HTTP and WebSocket never share a port by accident.
 */
export function createEdgeHttpServer(edge: Edge): Server {
  const server: Server = createServer((_req, res) => {
    res
      .writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade', 'Content-Type': 'application/json' })
      .end(UPGRADE_REQUIRED_BODY);
  });
  server.on('upgrade', (req, socket, head) => edge.handleUpgrade(req, socket, head));
  // Slowloris guard: a client gets this long to finish its request headers.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return server;
}

import { createServer, type Server } from 'node:http';
import type { Edge } from './edge.js';
import { UPGRADE_REQUIRED_BODY } from './upgrade-gate.js';

/** How long a client has to send its complete upgrade request headers. */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * The WebSocket port's HTTP server (not yet listening: the process that runs the edge starts
 * it). It speaks only the WebSocket upgrade: a plain HTTP request gets 426 Upgrade Required,
 * so HTTP and WebSocket never share a port by accident.
 */
export function createEdgeHttpServer(edge: Edge): Server {
  const server: Server = createServer(
    // Slowloris guard: a client gets 10 s to finish its request headers. Node enforces these
    // timeouts on a sweep every `connectionsCheckingInterval` (30 s by default, which let a slow
    // client hold a socket 18–26 s): sweep every second so the deadline is kept within ~1 s.
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
    },
    (_req, res) => {
      res
        .writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade', 'Content-Type': 'application/json' })
        .end(UPGRADE_REQUIRED_BODY);
    },
  );
  server.on('upgrade', (req, socket, head) => edge.handleUpgrade(req, socket, head));
  return server;
}

import { createServer, type Server } from 'node:http';
import { Gauge, type Registry } from 'prom-client';
import { type Listening, listen } from './listen.js';

/** What a process says about itself on `/readyz`. */
export interface ReadinessReport {
  ready: boolean;
  /** Why not ready, for humans reading the probe output. */
  reasons: string[];
}

export type HealthServer = Listening;

/**
 * The operations port every process has, apart from any client traffic:
 * `/healthz` (the process runs), `/readyz` (it can do its job now), `/metrics` (Prometheus).
 */
export async function startHealthServer(options: {
  host: string;
  port: number;
  registry: Registry;
  readiness: () => ReadinessReport;
}): Promise<HealthServer> {
  // Readiness as a metric too: plain Prometheus has no kube-state-metrics to tell it.
  new Gauge({
    name: 'switchboard_ready',
    help: '1 when /readyz would answer 200 (the process can do its job), else 0',
    registers: [options.registry],
    collect() {
      this.set(options.readiness().ready ? 1 : 0);
    },
  });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const state = options.readiness();
      res
        .writeHead(state.ready ? 200 : 503, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ status: state.ready ? 'ready' : 'not ready', reasons: state.reasons }));
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': options.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
  });
  return listen(server, options.host, options.port);
}

import { hostname } from 'node:os';
import { ClosedError } from '@switchboard/bus';
import { createLogger, type Logger } from '@switchboard/telemetry';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { type Backends, openBackends } from './backends.js';
import { loadConfigOrExit } from './config/loader.js';
import type { ConfigRole, RoleConfig } from './config/roles.js';
import { startHealthServer } from './health-server.js';
import { ServerMetrics } from './metrics.js';
import { startTelemetry } from './telemetry.js';

/** A service of a cluster, each its own process. */
export type ServiceRole = Exclude<ConfigRole, 'standalone'>;

export interface ServiceContext<R extends ServiceRole = ServiceRole> {
  /** The configuration of this role only. */
  config: RoleConfig<R>;
  log: Logger;
  registry: Registry;
  /** The product metrics of this process (registered in `registry`). */
  metrics: ServerMetrics;
  nodeId: string;
  backends: Backends;
}

/** A service started by `runService`: how to drain it, stop it and ask what keeps it unready. */
export interface RunningService {
  /** Graceful part of shutdown (the edge tells its clients to reconnect elsewhere). */
  drain?(windowMs: number): Promise<void>;
  stop(): Promise<void> | void;
  /** Reasons this service is not ready, besides its backend links. */
  problems?(): string[];
}

const RETRY_MS = 1_000;
/** Token keys: only the auth service (and standalone) reads them. */
const KEY_SETTINGS = ['SB_JWT_SECRETS', 'SB_JWT_PUBLIC_KEY_FILES'];

/**
 * Runs one service as its own process (cluster mode): reads config, serves /healthz,
 * /readyz and /metrics from the first moment, connects to NATS and Redis — retrying until
 * they answer, unready meanwhile — starts the service, and shuts down in order on SIGTERM:
 * unready, drain, stop, close links, exit.
 */
export async function runService<R extends ServiceRole>(
  name: R,
  start: (ctx: ServiceContext<R>) => Promise<RunningService>,
): Promise<void> {
  const config = loadConfigOrExit(process.env, name);
  if (config.bus !== 'nats') {
    process.stderr.write(
      `Switchboard cannot start: services/${name} runs as its own process only with SB_BUS=nats ` +
        `(and SB_STORE=redis to share state); \`pnpm start\` runs every service in one process.\n`,
    );
    process.exit(78);
  }
  const nodeId = config.nodeId ?? `${name}-${hostname()}-${process.pid}`;
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    name: `switchboard-${name}`,
    node: nodeId,
    role: name,
  });
  if (name !== 'auth' && KEY_SETTINGS.some((key) => process.env[key])) {
    // Read only by the auth service: anywhere else it is a key an intruder could steal.
    log.warn(
      `${KEY_SETTINGS.join(' / ')} set for ${name}, which never verifies tokens: give token keys to the auth service only (docs/security.md)`,
    );
  }
  const stopTelemetry = await startTelemetry(`switchboard-${name}`, log);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new ServerMetrics(registry, name);
  let service: RunningService | undefined;
  let backends: Backends | undefined;
  let stopping = false;
  const health = await startHealthServer({
    host: config.httpHost,
    port: config.httpPort,
    registry,
    readiness: () => {
      const reasons: string[] = [];
      if (stopping) reasons.push('stopping');
      else if (!service) reasons.push('starting');
      reasons.push(...(backends?.problems() ?? []), ...(service?.problems?.() ?? []));
      const unique = [...new Set(reasons)];
      return { ready: unique.length === 0, reasons: unique };
    },
  });
  log.info({ health: `http://${config.httpHost}:${health.port}` }, 'health endpoints up');

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) process.exit(1); // a second signal means "now"
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await service?.drain?.(config.drainMs);
      await service?.stop();
      await backends?.close();
      await health.close();
      await stopTelemetry();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));

  backends = await openBackends(config, log, nodeId, metrics);
  for (;;) {
    try {
      service = await start({ config, log, registry, metrics, nodeId, backends });
      break;
    } catch (error) {
      if (!(error instanceof ClosedError) || stopping) throw error;
      log.warn({ err: error.message }, `cannot reach NATS yet; retrying in ${RETRY_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  log.info(`${name} ready`);
}

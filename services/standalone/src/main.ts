import { hostname } from 'node:os';
import { DEV_JWT_SECRET, effectiveJwtSecrets } from '@switchboard/auth';
import { startStandalone, startTelemetry } from '@switchboard/server';
import { loadConfigOrExit } from '@switchboard/server/config';
import { createLogger } from '@switchboard/telemetry';
import { collectDefaultMetrics, Registry } from 'prom-client';

const config = loadConfigOrExit();
const log = createLogger({
  level: config.logLevel,
  format: config.logFormat,
  name: 'switchboard',
  // The node id startStandalone uses too.
  node: config.nodeId ?? `${hostname()}-${process.pid}`,
  role: 'standalone',
});
const stopTelemetry = await startTelemetry('switchboard', log);
const registry = new Registry();
collectDefaultMetrics({ register: registry });

const switchboard = await startStandalone(config, { log, registry }).catch((error: unknown) => {
  log.fatal({ err: error }, 'start-up failed');
  process.exit(1);
});
log.info(
  {
    websocket: `ws://${config.wsHost}:${switchboard.wsPort}`,
    health: `http://${config.httpHost}:${switchboard.httpPort}`,
  },
  `Switchboard is ready (all services in one process; bus: ${config.bus === 'nats' ? 'NATS' : 'in-memory'}, stores: ${config.store === 'redis' ? 'Redis' : 'in-memory'})`,
);
if (effectiveJwtSecrets(config).includes(DEV_JWT_SECRET)) {
  log.warn(
    `using the development JWT secret "${DEV_JWT_SECRET}" — get a token with: pnpm -s run token --user alice --rooms 'chat:*'`,
  );
}

/** Signals this close to the first are the same Ctrl-C, relayed (see below). */
const REPEATED_SIGNAL_MS = 1_000;
let shuttingDownSince: number | undefined;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shuttingDownSince !== undefined) {
      // A second signal means "now" — unless it is the same Ctrl-C arriving again: the terminal
      // signals the whole process group, and tsx and pnpm relay it, within moments.
      if (Date.now() - shuttingDownSince > REPEATED_SIGNAL_MS) process.exit(1);
      return;
    }
    shuttingDownSince = Date.now();
    log.info({ signal, drainMs: config.drainMs }, 'draining: clients are told to reconnect');
    switchboard
      .drain(config.drainMs)
      .then(() => switchboard.stop())
      .then(() => stopTelemetry())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}

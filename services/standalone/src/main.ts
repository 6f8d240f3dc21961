import { DEV_JWT_SECRET, effectiveJwtSecrets } from '@switchboard/auth';
import { startStandalone, startTelemetry } from '@switchboard/server';
import { loadConfigOrExit } from '@switchboard/server/config';
import { createLogger } from '@switchboard/telemetry';
import { collectDefaultMetrics, Registry } from 'prom-client';

const config = loadConfigOrExit();
const log = createLogger({ level: config.logLevel, name: 'switchboard' });
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
  'Switchboard is ready (embedded mode: in-memory bus and stores)',
);
if (effectiveJwtSecrets(config).includes(DEV_JWT_SECRET)) {
  log.warn(
    `using the development JWT secret "${DEV_JWT_SECRET}" — get a token with: pnpm -s run token --user alice --rooms 'chat:*'`,
  );
}

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shuttingDown) process.exit(1); // a second signal means "now"
    shuttingDown = true;
    log.info({ signal, drainMs: config.drainMs }, 'draining: clients are told to reconnect');
    switchboard
      .drain(config.drainMs)
      .then(() => switchboard.stop())
      .then(() => stopTelemetry())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}

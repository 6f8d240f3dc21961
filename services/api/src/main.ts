import { apiSettings } from '@switchboard/api';
import { ConfigError } from '@switchboard/bus';
import { runService, startApiNode } from '@switchboard/server';
import { loadConfigOrExit } from '@switchboard/server/config';

// The gRPC server API (cluster mode): stateless, talks to the other services over NATS; scale
// it horizontally behind a load balancer. Its Info table is rebuilt from `sb.nodes.*` heartbeats.

// Refuse to start without a way to authenticate callers (or with unreadable TLS files), before
// connecting anywhere: exit 78 like every configuration error.
try {
  apiSettings(loadConfigOrExit(process.env, 'api'));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`Switchboard cannot start: ${error.message}\n`);
  process.exit(78);
}

await runService('api', async ({ config, backends, log, nodeId, metrics }) => {
  const api = await startApiNode(config, backends, log, nodeId, undefined, metrics);
  return {
    drain: async () => api.setServing(false),
    stop: () => api.stop(),
  };
});

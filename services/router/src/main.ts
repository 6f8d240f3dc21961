import { runService, startRouterNode } from '@switchboard/server';

// The router service alone (cluster mode). Configuration: see the README.
await runService('router', async ({ config, backends, log, metrics, nodeId }) => {
  const service = await startRouterNode(config, backends, log, metrics, { nodeId });
  return { stop: () => service.stop() };
});

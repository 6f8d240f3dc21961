import { runService, startRouterNode } from '@switchboard/server';

// The router service alone (cluster mode). Configuration: see the README.
await runService('router', async ({ config, backends, log }) => {
  const service = await startRouterNode(config, backends, log);
  return { stop: () => service.stop() };
});

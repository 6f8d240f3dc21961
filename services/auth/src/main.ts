import { runService, startAuthNode } from '@switchboard/server';

// The auth service alone (cluster mode). Configuration: see the README.
await runService('auth', async ({ config, backends, log, metrics, nodeId }) => {
  const service = await startAuthNode(config, backends, log, metrics, { nodeId });
  return { stop: () => service.stop(), problems: () => service.problems() };
});

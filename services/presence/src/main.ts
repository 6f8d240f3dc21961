import { runService, startPresenceNode } from '@switchboard/server';

// The presence service alone (cluster mode). Configuration: see the README.
await runService('presence', async ({ config, backends, log, metrics, nodeId }) => {
  const service = await startPresenceNode(config, backends, log, metrics, { nodeId });
  return { stop: () => service.stop() };
});

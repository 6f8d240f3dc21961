import { runService, startPresenceNode } from '@switchboard/server';

// The presence service alone (cluster mode). Configuration: see the README.
await runService('presence', async ({ config, backends, log, metrics }) => {
  const service = await startPresenceNode(config, backends, log, metrics);
  return { stop: () => service.stop() };
});

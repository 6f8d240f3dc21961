import { runService, startServices } from '@switchboard/server';

// The presence service alone (cluster mode). Configuration: see the README.
await runService('presence', async ({ config, backends, log }) => {
  const [service] = await startServices(config, backends, log, ['presence']);
  return { stop: () => service?.stop() };
});

import { runService, startServices } from '@switchboard/server';

// The auth service alone (cluster mode). Configuration: see the README.
await runService('auth', async ({ config, backends, log }) => {
  const [service] = await startServices(config, backends, log, ['auth']);
  return { stop: () => service?.stop() };
});

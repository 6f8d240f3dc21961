import { runService, startServices } from '@switchboard/server';

// The router service alone (cluster mode). Configuration: see the README.
await runService('router', async ({ config, backends, log }) => {
  const [service] = await startServices(config, backends, log, ['router']);
  return { stop: () => service?.stop() };
});

import { runService, startEdgeNode } from '@switchboard/server';

// A WebSocket edge (cluster mode): stateless, scaled on its open connections.
await runService('edge', async ({ config, backends, registry, log, nodeId }) => {
  const node = await startEdgeNode(config, backends, registry, log, nodeId);
  log.info({ websocket: `ws://${config.wsHost}:${node.port}` }, 'edge listening');
  return {
    drain: (windowMs) => node.edge.drain(windowMs),
    stop: () => node.stop(),
    problems: () => node.edge.ready().reasons,
  };
});

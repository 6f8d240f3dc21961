import { busContract } from './bus.contract.js';
import { MemoryBusHub } from './bus-memory.js';

// Each test gets a new hub; every connect() is one service's client of it.
let hub = new MemoryBusHub();
let clients = 0;
busContract('memory', async () => {
  if (clients++ % 2 === 0) hub = new MemoryBusHub();
  return hub.connect();
});

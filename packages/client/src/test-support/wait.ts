import type { ClientEvents, SwitchboardClient } from '../client.js';

/** Polls `predicate` until it holds; generous default so a loaded CI box does not flake. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next `event` from `client` (optionally the next one matching `filter`). */
export function nextEvent<K extends keyof ClientEvents>(
  client: SwitchboardClient,
  event: K,
  filter: (payload: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for "${String(event)}"`));
    }, timeoutMs);
    const off = client.on(event, (payload) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Records every event of the given kinds, in order. */
export function record<K extends keyof ClientEvents>(
  client: SwitchboardClient,
  events: readonly K[],
): Array<{ event: K; payload: ClientEvents[K] }> {
  const log: Array<{ event: K; payload: ClientEvents[K] }> = [];
  for (const event of events) client.on(event, (payload) => log.push({ event, payload }));
  return log;
}

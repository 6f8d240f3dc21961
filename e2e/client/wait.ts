import type { ClientEvents, SwitchboardClient } from '@switchboard/client';

// The same waits as the SDK's own unit tests (packages/client/src/test-support/wait.ts); e2e/
// keeps its copy rather than reach into another package's sources.

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

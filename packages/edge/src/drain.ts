import type { Connection, EdgeSocket } from './connection.js';

/**
 * Graceful drain: closes every connection at a random moment within `windowMs`, so their
 * clients reconnect elsewhere spread over the window instead of all at once.
 */
export async function closeSpreadOver(
  connections: Iterable<Connection>,
  windowMs: number,
  close: (conn: Connection) => void,
): Promise<void> {
  const closing = [...connections].map(
    (conn) =>
      new Promise<void>((resolve) => {
        setTimeout(() => {
          close(conn);
          resolve();
        }, Math.random() * windowMs);
      }),
  );
  await Promise.all(closing);
}

/** Gives close handshakes `graceMs`, then cuts what is left (a stuck peer must not hold shutdown). */
export async function cutAfterGrace(sockets: ReadonlySet<EdgeSocket>, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const socket of sockets) socket.terminate();
}

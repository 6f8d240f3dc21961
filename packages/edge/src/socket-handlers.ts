import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { EdgeSocket } from './connection.js';

/**
 * Shared socket handlers: `this` is the socket. One function for all sockets instead of
 * closures per socket, which would cost memory on every connection; each finds its
 * Connection through `EdgeSocket.conn` and hands the event to the connection's `events`.
 */
export function listenToSocket(ws: EdgeSocket): void {
  ws.on('message', onSocketMessage);
  ws.on('close', onSocketClose);
  ws.on('pong', onSocketPong);
  ws.on('error', onSocketError);
}

/** For the raw socket of an upgrade in progress: a closure would keep `req` and `head` alive as long as the socket. */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}

function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const conn = (this as EdgeSocket).conn;
  conn.events.frame(conn, data, isBinary);
}
function onSocketClose(this: WebSocket, code: number): void {
  const conn = (this as EdgeSocket).conn;
  conn.events.closed(conn, code);
}
function onSocketPong(this: WebSocket): void {
  (this as EdgeSocket).conn.heardFrom();
}
function onSocketError(this: WebSocket): void {
  // ws closes the socket after an error (e.g. 1009 for an oversized frame); 'close' cleans up.
}

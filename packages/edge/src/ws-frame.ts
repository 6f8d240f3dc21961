/**
 * A complete server-to-client WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, no mask,
 * no compression) around an already-serialized payload. Built once per room message, the same
 * bytes are written to every member's socket: one serialization and one frame for all.
 */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** An empty WebSocket ping control frame (FIN, opcode 9, no mask, no payload), as ws sends for `ping()`. */
export const PING_CONTROL_FRAME: Buffer = Buffer.from([0x89, 0x00]);

/**
 * The whole heartbeat of an open connection in one buffer, so one socket write: the WebSocket
 * ping (browsers hide it; its pong shows the peer is there) followed by the application push
 * `{"t":"ping"}` (which scripts can see).
 */
export const HEARTBEAT_FRAMES: Buffer = Buffer.concat([
  PING_CONTROL_FRAME,
  textFrame(Buffer.from('{"t":"ping"}')),
]);

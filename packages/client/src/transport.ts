/**
 * The part of the WebSocket API the SDK uses. Browsers' `WebSocket`, Node 22's global
 * `WebSocket` and the `ws` package all fit, so the SDK never imports a Node-only module.
 *
 * Handlers take `never` so that any implementation's richer event types are assignable; the
 * SDK reads only `data`, `code` and `reason`, which all three provide.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export const ReadyState = { Connecting: 0, Open: 1, Closing: 2, Closed: 3 } as const;

export interface MessageEventLike {
  data: unknown;
}
export interface CloseEventLike {
  code?: number;
  reason?: string;
}

/** `globalThis.WebSocket` when the runtime has one (browsers, Node 22+). */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

const decoder = typeof TextDecoder === 'undefined' ? undefined : new TextDecoder();

/** A text frame's payload as a string; binary frames are not part of the protocol. */
export function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (!decoder) return undefined;
  if (data instanceof ArrayBuffer) return decoder.decode(data);
  // A copy sidesteps SharedArrayBuffer typing; binary frames are rare and small.
  if (ArrayBuffer.isView(data))
    return decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  return undefined;
}

/** UTF-8 byte length without allocating an encoded copy. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A random id that stays unique across tabs and devices (idempotency keys depend on it). */
export function randomToken(bytes = 9): string {
  const values = new Uint8Array(bytes);
  const crypto = (globalThis as { crypto?: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto;
  if (crypto) crypto.getRandomValues(values);
  else for (let i = 0; i < bytes; i++) values[i] = Math.floor(Math.random() * 256);
  let out = '';
  for (const value of values) out += value.toString(36).padStart(2, '0');
  return out;
}

import type { JsonValue, PublishResult } from '@switchboard/protocol';
import type { RequestError, RequestOp, SwitchboardError } from './errors.js';

/** A command frame without its `id` (the session numbers it). */
export type Command = { op: RequestOp } & Record<string, unknown>;

/** What becomes of a request: its reply, or why none will come. */
export interface RequestHandlers {
  onResult(result: unknown): void;
  onError(error: RequestError): void;
  /** No reply within the request timeout (the connection lives on). */
  onTimeout(): void;
  /** The connection ended before the reply. */
  onLost(): void;
  /** The client stopped for good (`disconnect()` or a final close) before the reply. */
  onClosed(error: SwitchboardError): void;
}

/** Sends a request on the live connection. */
export type SendRequest = (command: Command, handlers: RequestHandlers) => void;

/** A publish from `publish()` until the server acknowledges it; it outlives connections. */
export interface PublishJob {
  readonly room: string;
  readonly event: string;
  readonly data: JsonValue;
  readonly key: string;
  readonly bytes: number;
  /** It was written to a socket at least once. */
  sent: boolean;
  resolve(result: PublishResult): void;
  reject(error: SwitchboardError): void;
}

export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: SwitchboardError): void;
}

/**
 * The bus connects the services. Semantics are those of core NATS, so the in-memory bus
 * (single process) and the NATS bus (cluster) are interchangeable and pass one contract
 * suite: at-most-once delivery, per-publisher order, subject wildcards, queue groups,
 * request/reply with timeouts, and headers (used for trace context).
 */

/** Header names are case-sensitive ASCII; values are strings. */
export type BusHeaders = Readonly<Record<string, string>>;

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: BusHeaders | undefined;
  /** Where a reply goes, when the sender expects one. */
  readonly reply: string | undefined;
}

export type BusHandler = (msg: BusMessage) => void;

export interface PublishOptions {
  headers?: BusHeaders;
  reply?: string;
}

export interface SubscribeOptions {
  /** Members of one queue group share the messages: each goes to exactly one of them. */
  queue?: string;
}

export interface RequestOptions {
  timeoutMs: number;
  headers?: BusHeaders;
}

export interface Subscription {
  readonly subject: string;
  unsubscribe(): void;
}

export type BusStatus = 'connected' | 'disconnected' | 'closed';

export interface Bus {
  /**
   * What carries the messages (`nats`, `memory`), for the `messaging.system` attribute of spans.
   * Optional so a test double need not say; spans then say `unknown`.
   */
  readonly system?: string;
  publish(subject: string, data: Uint8Array, options?: PublishOptions): void;
  subscribe(subject: string, handler: BusHandler, options?: SubscribeOptions): Subscription;
  /** Rejects with `TimeoutError`, `NoRespondersError`, or `ClosedError` (closed, or the link is down). */
  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage>;
  /** Resolves once everything published or subscribed so far has reached the server. */
  flush(): Promise<void>;
  /** Current link state; readiness probes report it. */
  status(): BusStatus;
  /** Observe link state changes (readiness, resubscription). Returns an unsubscribe function. */
  onStatus(listener: (status: BusStatus) => void): () => void;
  /** Drains: stops new work, lets in-flight handlers finish, then closes. */
  close(): Promise<void>;
}

/** The part of a browser's `window` the SDK listens to; absent in Node. */
interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface NetworkStatusHost {
  /** The browser lost its network: the connection is suspect and reconnecting is pointless. */
  offline(): void;
  /** The browser has a network again: reconnect now rather than after the backoff delay. */
  online(): void;
}

/**
 * Follows the browser's `offline`/`online` events (where `globalThis.addEventListener` exists).
 * Only the events count, not `navigator.onLine` at start: some embedded browsers report it
 * wrongly, and a client that refused to even try would be worse than one that backs off.
 */
export class NetworkStatus {
  readonly #host: NetworkStatusHost;
  readonly #target: EventTargetLike | undefined;
  #offline = false;
  #watching = false;
  readonly #onOffline = () => {
    this.#offline = true;
    this.#host.offline();
  };
  readonly #onOnline = () => {
    this.#offline = false;
    this.#host.online();
  };

  constructor(host: NetworkStatusHost, target: unknown = globalThis) {
    this.#host = host;
    this.#target = isEventTarget(target) ? target : undefined;
  }

  /** True between an `offline` event and the next `online` event (while watching). */
  get offline(): boolean {
    return this.#offline;
  }

  watch(): void {
    if (this.#watching || !this.#target) return;
    this.#watching = true;
    this.#target.addEventListener('offline', this.#onOffline);
    this.#target.addEventListener('online', this.#onOnline);
  }

  unwatch(): void {
    if (!this.#watching || !this.#target) return;
    this.#watching = false;
    this.#offline = false;
    this.#target.removeEventListener('offline', this.#onOffline);
    this.#target.removeEventListener('online', this.#onOnline);
  }
}

function isEventTarget(value: unknown): value is EventTargetLike {
  const target = value as Partial<EventTargetLike> | undefined;
  return typeof target?.addEventListener === 'function' && typeof target.removeEventListener === 'function';
}

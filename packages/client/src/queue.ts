/** What a full offline queue does with one more publish. */
export type QueueFullPolicy = 'reject-new' | 'drop-oldest';

export interface QueueOptions {
  /** Most publishes held while disconnected. 0 disables queueing (publishes fail fast). */
  maxCount: number;
  /** Most bytes (UTF-8 size of the encoded publishes) held while disconnected. */
  maxBytes: number;
  /**
   * `reject-new` (default): the new publish fails with `QueueFullError`; what is queued stays.
   * `drop-oldest`: the oldest queued publishes fail with `QueueFullError` until the new one fits.
   */
  whenFull: QueueFullPolicy;
}

export const DEFAULT_QUEUE: Readonly<QueueOptions> = Object.freeze({
  maxCount: 1000,
  maxBytes: 1_048_576,
  whenFull: 'reject-new',
});

interface Sized {
  readonly bytes: number;
}

export type OfferOutcome<T> = { accepted: true; evicted: T[] } | { accepted: false; evicted: [] };

/**
 * A FIFO bounded by count and bytes. It only decides what fits; the caller settles the
 * promises of what was refused or evicted, so nothing leaves the queue silently.
 */
export class BoundedQueue<T extends Sized> {
  readonly #options: QueueOptions;
  #items: T[] = [];
  #bytes = 0;

  constructor(options: QueueOptions) {
    this.#options = options;
  }

  get length(): number {
    return this.#items.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends `item` if the policy lets it in. An item larger than `maxBytes` never fits. */
  offer(item: T): OfferOutcome<T> {
    const { maxCount, maxBytes, whenFull } = this.#options;
    if (maxCount <= 0 || item.bytes > maxBytes) return { accepted: false, evicted: [] };
    const fits = () => this.#items.length < maxCount && this.#bytes + item.bytes <= maxBytes;
    if (!fits() && whenFull === 'reject-new') return { accepted: false, evicted: [] };
    const evicted: T[] = [];
    while (!fits()) {
      const oldest = this.#items.shift();
      if (oldest === undefined) break;
      this.#bytes -= oldest.bytes;
      evicted.push(oldest);
    }
    this.#items.push(item);
    this.#bytes += item.bytes;
    return { accepted: true, evicted };
  }

  /**
   * Puts items back at the head, in order, ignoring the bounds: they were accepted before (sent,
   * then the connection dropped before the ack), and evicting them now would lose them.
   */
  requeueFront(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#items = [...items, ...this.#items];
    for (const item of items) this.#bytes += item.bytes;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const items = this.#items;
    this.#items = [];
    this.#bytes = 0;
    return items;
  }
}

import type {
  Bus,
  BusHandler,
  BusMessage,
  BusStatus,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import { ClosedError, NoRespondersError, TimeoutError } from './errors.js';
import { randomId } from './ids.js';
import { assertPublishSubject, assertSubscribeSubject, isWildcard, subjectMatches } from './subject.js';

interface HubSubscription extends Subscription {
  readonly handler: BusHandler;
  readonly queue: string | undefined;
  readonly client: MemoryBus;
  active: boolean;
}

/**
 * The in-process broker: what nats-server is in cluster mode. Services each hold their own
 * `MemoryBus` client from `connect()`, so closing one service's client drops only its
 * subscriptions, as with NATS.
 */
export class MemoryBusHub {
  /** Exact-subject subscriptions, so room delivery is one map lookup. */
  readonly #exact = new Map<string, Set<HubSubscription>>();
  readonly #wildcard = new Set<HubSubscription>();
  readonly onHandlerError: (error: unknown, subject: string) => void;

  constructor(options: { onHandlerError?: (error: unknown, subject: string) => void } = {}) {
    this.onHandlerError = options.onHandlerError ?? (() => {});
  }

  connect(): MemoryBus {
    return new MemoryBus(this);
  }

  /** @internal */
  add(sub: HubSubscription): void {
    if (isWildcard(sub.subject)) {
      this.#wildcard.add(sub);
      return;
    }
    let set = this.#exact.get(sub.subject);
    if (!set) {
      set = new Set();
      this.#exact.set(sub.subject, set);
    }
    set.add(sub);
  }

  /** @internal */
  remove(sub: HubSubscription): void {
    if (this.#wildcard.delete(sub)) return;
    const set = this.#exact.get(sub.subject);
    set?.delete(sub);
    if (set?.size === 0) this.#exact.delete(sub.subject);
  }

  /**
   * @internal Hands the message to every matching plain subscription and to one member per
   * queue group. Delivery is a microtask, so it is asynchronous and keeps publish order.
   */
  deliver(msg: BusMessage): boolean {
    const matches: HubSubscription[] = [];
    const exact = this.#exact.get(msg.subject);
    if (exact) for (const sub of exact) matches.push(sub);
    for (const sub of this.#wildcard) if (subjectMatches(sub.subject, msg.subject)) matches.push(sub);
    if (matches.length === 0) return false;
    let groups: Map<string, HubSubscription[]> | undefined;
    for (const sub of matches) {
      if (sub.queue === undefined) {
        this.#dispatch(sub, msg);
        continue;
      }
      groups ??= new Map();
      const members = groups.get(sub.queue);
      if (members) members.push(sub);
      else groups.set(sub.queue, [sub]);
    }
    if (groups) {
      for (const members of groups.values()) {
        this.#dispatch(members[Math.floor(Math.random() * members.length)]!, msg);
      }
    }
    return true;
  }

  #dispatch(sub: HubSubscription, msg: BusMessage): void {
    queueMicrotask(() => {
      if (!sub.active) return;
      try {
        sub.handler(msg);
      } catch (error) {
        this.onHandlerError(error, msg.subject);
      }
    });
  }
}

/**
 * One service's connection to a `MemoryBusHub`. Same semantics as the NATS bus.
 * Payloads are passed by reference: handlers must not mutate `data`.
 */
export class MemoryBus implements Bus {
  readonly system = 'memory';
  readonly #hub: MemoryBusHub;
  readonly #subs = new Set<HubSubscription>();
  readonly #statusListeners = new Set<(status: BusStatus) => void>();
  #status: BusStatus = 'connected';

  constructor(hub: MemoryBusHub) {
    this.#hub = hub;
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    if (this.#status === 'closed') throw new ClosedError('bus');
    assertPublishSubject(subject);
    this.#hub.deliver({ subject, data, headers: options?.headers, reply: options?.reply });
  }

  subscribe(subject: string, handler: BusHandler, options?: SubscribeOptions): Subscription {
    if (this.#status === 'closed') throw new ClosedError('bus');
    assertSubscribeSubject(subject);
    const sub: HubSubscription = {
      subject,
      handler,
      queue: options?.queue,
      client: this,
      active: true,
      unsubscribe: () => {
        if (!sub.active) return;
        sub.active = false;
        this.#subs.delete(sub);
        this.#hub.remove(sub);
      },
    };
    this.#subs.add(sub);
    this.#hub.add(sub);
    return sub;
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage> {
    if (this.#status === 'closed') return Promise.reject(new ClosedError('bus'));
    assertPublishSubject(subject);
    const inbox = `_INBOX.${randomId(16)}`;
    return new Promise<BusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        reject(new TimeoutError(subject, options.timeoutMs));
      }, options.timeoutMs);
      const sub = this.subscribe(inbox, (msg) => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(msg);
      });
      if (!this.#hub.deliver({ subject, data, headers: options.headers, reply: inbox })) {
        clearTimeout(timer);
        sub.unsubscribe();
        reject(new NoRespondersError(subject));
      }
    });
  }

  flush(): Promise<void> {
    // Deliveries are microtasks: once this resolves, everything published before it was handed out.
    return new Promise((resolve) => setImmediate(resolve));
  }

  status(): BusStatus {
    return this.#status;
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    await this.flush();
    this.#status = 'closed';
    for (const sub of [...this.#subs]) sub.unsubscribe();
    for (const listener of this.#statusListeners) listener('closed');
  }
}

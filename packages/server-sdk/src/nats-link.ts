import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ClosedError } from '@switchboard/bus/errors';
import type {
  Bus,
  BusHandler,
  BusMessage,
  BusStatus,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from '@switchboard/bus/interface';
import { mapClientError, mapRequestError, toBusMessage, toNatsHeaders } from '@switchboard/bus/nats-codec';
import { natsConnectionOptions } from '@switchboard/bus/nats-connect';

import { type NatsAuthOptions, type NatsTlsFiles, natsSecurity } from '@switchboard/bus/nats-security';
export interface NatsLinkOptions {
  servers: string | string[];
  name: string;
  /** This service's NATS identity (docs/security.md: `backend` publishes, `api` also controls). */
  auth?: NatsAuthOptions | undefined;
  tls?: NatsTlsFiles | undefined;
  /** Reply subjects this identity may subscribe to. */
  inboxPrefix?: string | undefined;
}

/**
 * The SDK's own NATS connection, seen through the bus interface the API core calls: the same
 * error classes as the services' bus (timeout, no responders, closed), without their logger,
 * metrics and subject checks, so the package needs nothing but the NATS client. Reconnects
 * forever; while disconnected, requests fail at once instead of waiting for their timeout.
 */
export class NatsLink implements Bus {
  readonly #nc: NatsConnection;
  readonly #listeners = new Set<(status: BusStatus) => void>();
  #status: BusStatus = 'connected';
  #closing: Promise<void> | undefined;

  private constructor(nc: NatsConnection) {
    this.#nc = nc;
    void this.#watch();
    void nc.closed().then(() => this.#set('closed'));
  }

  static async connect(options: NatsLinkOptions): Promise<NatsLink> {
    try {
      // The services' own reading of credentials (URL, password/NKey/.creds files) and TLS files.
      const security = natsSecurity(options.servers, options.auth, options.tls);
      // The services' bus settings (reconnects, timeouts, pings): natsConnectionOptions.
      const nc = await connect(natsConnectionOptions(security, options));
      return new NatsLink(nc);
    } catch (error) {
      const servers = Array.isArray(options.servers) ? options.servers.join(',') : options.servers;
      throw new ClosedError(`NATS connection to ${servers}`, { cause: error });
    }
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    if (this.#status === 'closed') throw new ClosedError('bus');
    try {
      this.#nc.publish(subject, data, {
        ...(options?.headers ? { headers: toNatsHeaders(options.headers) } : {}),
        ...(options?.reply !== undefined ? { reply: options.reply } : {}),
      });
    } catch (error) {
      throw mapClientError(error, subject);
    }
  }

  subscribe(subject: string, handler: BusHandler, options?: SubscribeOptions): Subscription {
    if (this.#status === 'closed') throw new ClosedError('bus');
    const sub = this.#nc.subscribe(subject, {
      ...(options?.queue !== undefined ? { queue: options.queue } : {}),
      callback: (error, msg) => {
        if (error) return;
        try {
          handler(toBusMessage(msg));
        } catch {
          // An exception must not break the client's read loop.
        }
      },
    });
    return {
      subject,
      unsubscribe: () => {
        if (!sub.isClosed() && !this.#nc.isClosed()) sub.unsubscribe();
      },
    };
  }

  async request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage> {
    if (this.#status === 'closed') throw new ClosedError('bus');
    if (this.#status === 'disconnected') throw new ClosedError('bus connection');
    try {
      const msg = await this.#nc.request(subject, data, {
        timeout: options.timeoutMs,
        ...(options.headers ? { headers: toNatsHeaders(options.headers) } : {}),
      });
      return toBusMessage(msg);
    } catch (error) {
      throw mapRequestError(error, subject, options.timeoutMs);
    }
  }

  async flush(): Promise<void> {
    if (this.#status === 'closed') throw new ClosedError('bus');
    try {
      await this.#nc.flush();
    } catch (error) {
      throw new ClosedError('bus connection', { cause: error });
    }
  }

  status(): BusStatus {
    return this.#status;
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#nc.isClosed()) {
        // Flushes what was published; nothing to drain (the SDK only sends requests).
        await this.#nc.flush().catch(() => {});
        await this.#nc.close();
      }
      this.#set('closed');
    })();
    return this.#closing;
  }

  async #watch(): Promise<void> {
    try {
      for await (const s of this.#nc.status()) {
        if (s.type === 'disconnect') this.#set('disconnected');
        else if (s.type === 'reconnect') this.#set('connected');
        else if (s.type === 'close') this.#set('closed');
      }
    } catch {
      // The iterator ends with the connection; `closed()` reports that.
    }
  }

  #set(status: BusStatus): void {
    if (this.#status === status || this.#status === 'closed') return;
    this.#status = status;
    for (const listener of [...this.#listeners]) listener(status);
  }
}

import {
  AuthorizationError,
  connect,
  type MsgHdrs,
  type NatsConnection,
  type Subscription as NatsSubscription,
  type Status,
} from '@nats-io/transport-node';
import { type Logger, silentLogger } from '@switchboard/telemetry';
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
import { ClosedError } from './errors.js';
import { mapClientError, mapRequestError, toBusMessage, toNatsHeaders } from './nats-codec.js';
import { type NatsLinkTiming, natsConnectionOptions } from './nats-connect.js';
import { type NatsAuthOptions, type NatsTlsFiles, natsSecurity } from './nats-security.js';
import { assertPublishSubject, assertSubscribeSubject } from './subject.js';

export interface NatsBusOptions extends NatsLinkTiming {
  /**
   * `nats://host:port`, one or several (a cluster: the client picks and fails over).
   * `nats://user:pass@host` works too: the credentials are taken out of the URL.
   */
  servers: string | string[];
  /** This process's identity on the bus (docs/security.md). */
  auth?: NatsAuthOptions;
  /** TLS with a private CA (and a client certificate for mutual TLS). */
  tls?: NatsTlsFiles;
  /**
   * Prefix of this connection's reply subjects (default `_INBOX`). Each role has its own
   * (`_INBOX_edge`, …) so nats-server lets it subscribe to its own replies only.
   */
  inboxPrefix?: string;
  /** Connection name shown by the server (`/connz`), e.g. the service and node id. */
  name?: string;
  log?: Logger;
  /** `close()` drains for at most this long, then closes hard (drain cannot finish while disconnected). */
  drainTimeoutMs?: number;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

/**
 * The bus over core NATS (no JetStream): the cluster counterpart of `MemoryBus`, passing the
 * same contract suite. The client reconnects forever and resubscribes by itself; this class
 * adds the runtime's error classes, subject rules and status reporting on top.
 */
export class NatsBus implements Bus {
  readonly system = 'nats';
  readonly #nc: NatsConnection;
  readonly #log: Logger;
  readonly #drainTimeoutMs: number;
  readonly #statusListeners = new Set<(status: BusStatus) => void>();
  #status: BusStatus = 'connected';
  #closing: Promise<void> | undefined;
  /** The flush whose PING is not queued yet (see `flush`). */
  #pendingFlush: Promise<void> | undefined;

  private constructor(nc: NatsConnection, log: Logger, drainTimeoutMs: number) {
    this.#nc = nc;
    this.#log = log;
    this.#drainTimeoutMs = drainTimeoutMs;
    void this.#watchStatus();
    // Covers closes this class did not start (e.g. a fatal auth error from the server).
    void nc.closed().then((error) => {
      if (error) this.#log.error({ err: error }, 'NATS connection closed with an error');
      this.#setStatus('closed');
    });
  }

  /**
   * Connects once; rejects with `ClosedError` (cause: the client's error) when no server answers.
   * After that first connection the client never gives up reconnecting.
   */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const log = options.log ?? silentLogger();
    // Throws ConfigError for unreadable secret files, before any connection attempt.
    const security = natsSecurity(options.servers, options.auth, options.tls);
    let nc: NatsConnection;
    try {
      nc = await connect({
        ...natsConnectionOptions(security, options),
        // Otherwise nats.js captures two stack traces (RequestError + TimeoutError) per request up
        // front, on the hot path of every RPC; a failed request keeps its message and cause.
        noAsyncTraces: true,
      });
    } catch (error) {
      const where = security.servers.join(',');
      if (error instanceof AuthorizationError) {
        // Not "unreachable": retrying will not help until the credentials are fixed.
        throw new ClosedError(
          `NATS connection to ${where} (credentials refused, auth: ${security.method} — check SB_NATS_USER, SB_NATS_PASSWORD_FILE, SB_NATS_NKEY_SEED_FILE or SB_NATS_CREDS_FILE)`,
          { cause: error },
        );
      }
      throw new ClosedError(`NATS connection to ${where}`, { cause: error });
    }
    log.info({ server: nc.getServer(), auth: security.method, tls: security.encrypted }, 'connected to NATS');
    return new NatsBus(nc, log, options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    if (this.#status === 'closed') throw new ClosedError('bus');
    assertPublishSubject(subject);
    const hdrs = toNatsHeaders(options?.headers);
    try {
      // While disconnected the client buffers the publish; at-most-once allows losing it.
      this.#nc.publish(subject, data, { headers: hdrs, reply: options?.reply });
    } catch (error) {
      throw mapClientError(error, subject);
    }
  }

  subscribe(subject: string, handler: BusHandler, options?: SubscribeOptions): Subscription {
    if (this.#status === 'closed') throw new ClosedError('bus');
    assertSubscribeSubject(subject);
    let sub: NatsSubscription;
    try {
      sub = this.#nc.subscribe(subject, {
        queue: options?.queue,
        // A callback runs inline in the client's read loop: an exception escaping it would
        // break that loop, so every failure is caught and logged here.
        callback: (error, msg) => {
          if (error) {
            // E.g. a permissions violation: the server ended this subscription.
            this.#log.error({ err: error, subject }, 'NATS subscription ended with an error');
            return;
          }
          let message: BusMessage;
          try {
            message = toBusMessage(msg);
          } catch (err) {
            this.#log.warn({ err, subject: msg.subject }, 'dropped a NATS message with unreadable headers');
            return;
          }
          try {
            handler(message);
          } catch (err) {
            this.#log.error({ err, subject: msg.subject }, 'bus handler failed');
          }
        },
      });
    } catch (error) {
      throw mapClientError(error, subject);
    }
    return {
      subject,
      unsubscribe: () => {
        // Idempotent, and harmless once the connection is closed.
        if (sub.isClosed() || this.#nc.isClosed()) return;
        sub.unsubscribe();
      },
    };
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<BusMessage> {
    if (this.#status === 'closed') return Promise.reject(new ClosedError('bus'));
    assertPublishSubject(subject);
    // The client would buffer the request and then drop the buffer on its next dial attempt,
    // so the caller would only learn of it at the timeout: fail fast instead.
    if (this.#status === 'disconnected') return Promise.reject(new ClosedError('bus connection'));
    let hdrs: MsgHdrs | undefined;
    try {
      hdrs = toNatsHeaders(options.headers);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#nc.request(subject, data, { timeout: options.timeoutMs, headers: hdrs }).then(
      (msg) => toBusMessage(msg),
      (error: unknown) => {
        throw mapRequestError(error, subject, options.timeoutMs);
      },
    );
  }

  /**
   * Calls made in one turn share one PING: the server answers it only after everything queued
   * before it, so each caller's subscriptions and publishes are covered. A connect storm
   * subscribes several users per turn; one round trip each was a PING, a PONG and a promise.
   */
  flush(): Promise<void> {
    if (this.#status === 'closed') return Promise.reject(new ClosedError('bus'));
    this.#pendingFlush ??= Promise.resolve().then(() => {
      // Cleared before the PING is queued: a later call needs a PING of its own.
      this.#pendingFlush = undefined;
      return this.#nc.flush().catch((error: unknown) => {
        // Disconnected: the client rejects pending flushes when it dials again.
        throw new ClosedError('bus connection', { cause: error });
      });
    });
    return this.#pendingFlush;
  }

  status(): BusStatus {
    return this.#status;
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const nc = this.#nc;
    if (!nc.isClosed()) {
      // Draining needs the server (each subscription waits for a PONG), so it is pointless
      // while disconnected and is cut short after `drainTimeoutMs` in any case.
      if (this.#status === 'connected' && !nc.isDraining()) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), this.#drainTimeoutMs);
        });
        try {
          const outcome = await Promise.race([nc.drain().then(() => 'drained' as const), timeout]);
          if (outcome === 'timeout') this.#log.warn('NATS drain timed out; closing');
        } catch (error) {
          this.#log.warn({ err: error }, 'NATS drain failed; closing');
        } finally {
          clearTimeout(timer);
        }
      }
      if (!nc.isClosed()) await nc.close();
    }
    this.#setStatus('closed');
  }

  async #watchStatus(): Promise<void> {
    try {
      for await (const s of this.#nc.status()) this.#onClientStatus(s);
    } catch (error) {
      this.#log.error({ err: error }, 'NATS status watch failed');
    }
  }

  #onClientStatus(s: Status): void {
    switch (s.type) {
      case 'disconnect':
        this.#log.warn({ server: s.server }, 'disconnected from NATS; reconnecting');
        this.#setStatus('disconnected');
        break;
      case 'reconnect':
        // The client has already resent every subscription by now.
        this.#log.info({ server: s.server }, 'reconnected to NATS');
        this.#setStatus('connected');
        break;
      case 'close':
        this.#setStatus('closed');
        break;
      case 'error':
        this.#log.error({ err: s.error }, 'NATS server error');
        break;
      case 'ldm':
        this.#log.warn(
          { server: s.server },
          'NATS server entering lame duck mode; will move to another server',
        );
        break;
      case 'slowConsumer':
        this.#log.warn({ subject: s.sub.getSubject(), pending: s.pending }, 'NATS slow consumer');
        break;
      case 'staleConnection':
        this.#log.warn('NATS connection is stale (pings unanswered); reconnecting');
        break;
      default:
        // 'reconnecting' fires on every attempt, 'ping' on every ping, 'update' on cluster gossip.
        this.#log.debug({ status: s.type }, 'NATS status');
    }
  }

  #setStatus(status: BusStatus): void {
    // 'closed' is final: a late 'reconnect' event from the iterator must not revive it.
    if (this.#status === status || this.#status === 'closed') return;
    this.#status = status;
    for (const listener of [...this.#statusListeners]) {
      try {
        listener(status);
      } catch (error) {
        this.#log.error({ err: error }, 'bus status listener failed');
      }
    }
  }
}

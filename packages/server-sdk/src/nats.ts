/**
 * `@switchboard/server-sdk/nats`: the server API straight over NATS, for internal services that
 * already reach the cluster's bus. Needs `@nats-io/transport-node` (an optional peer dependency
 * of this package), loaded only when `NatsServerClient.connect` is called.
 */
import { ApiCore } from '@switchboard/api/core';
import type {
  BroadcastInput,
  DisconnectInput,
  HistoryInput,
  InfoResult,
  PublishInput,
  PublishToUserInput,
  RevokeTokenInput,
  RevokeUserInput,
  RoomsInput,
  SubscribeInput,
} from '@switchboard/api/schemas';
import type { Bus } from '@switchboard/bus/interface';
import type { NatsAuthOptions, NatsTlsFiles } from '@switchboard/bus/nats-security';
import type { CallOptions, ServerApi } from './client.js';
import { pages } from './pages.js';

export interface NatsTransportOptions {
  /** A connected bus (e.g. a Switchboard service's `NatsBus`); the client does not close it. */
  bus: Bus;
  /** Request timeout (default 5 s). */
  timeoutMs?: number | undefined;
}

/**
 * The server API straight over NATS, for internal services already on the bus: a publish is one
 * request to `sb.api.publish` (no extra hop through an API node). Same inputs, validation and
 * errors as gRPC. `info` needs an API node's heartbeat table: use gRPC for it.
 */
export class NatsServerClient implements ServerApi {
  readonly #core: ApiCore;
  readonly #close: () => Promise<void>;

  constructor(options: NatsTransportOptions & { onClose?: () => Promise<void> }) {
    this.#core = new ApiCore({ bus: options.bus, timeoutMs: options.timeoutMs ?? 5_000 });
    this.#close = options.onClose ?? (async () => {});
  }

  /** Connects its own NATS connection (closed by `close()`). */
  static async connect(options: {
    /** `nats://host:4222`; `nats://user:pass@host` works too. */
    servers: string | string[];
    name?: string | undefined;
    timeoutMs?: number | undefined;
    /** Your service's NATS identity (docs/security.md: the `backend` role publishes, `api` also controls). */
    auth?: NatsAuthOptions | undefined;
    tls?: NatsTlsFiles | undefined;
    /** Reply prefix your identity may subscribe to (default `_INBOX_backend`). */
    inboxPrefix?: string | undefined;
  }): Promise<NatsServerClient> {
    const { NatsLink } = await import('./nats-link.js');
    const bus = await NatsLink.connect({
      servers: options.servers,
      name: options.name ?? 'switchboard-server-sdk',
      inboxPrefix: options.inboxPrefix ?? '_INBOX_backend',
      auth: options.auth,
      tls: options.tls,
    });
    return new NatsServerClient({
      bus,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      onClose: () => bus.close(),
    });
  }

  publish(input: PublishInput, options?: CallOptions) {
    return this.#core.publish(input, options);
  }
  broadcast(input: BroadcastInput, options?: CallOptions) {
    return this.#core.broadcast(input, options);
  }
  publishToUser(input: PublishToUserInput, options?: CallOptions) {
    return this.#core.publishToUser(input, options);
  }
  presence(room: string, options?: CallOptions) {
    return this.#core.presence({ room }, options);
  }
  presenceStats(room: string, options?: CallOptions) {
    return this.#core.presenceStats({ room }, options);
  }
  history(input: HistoryInput, options?: CallOptions) {
    return this.#core.history(input, options);
  }
  disconnect(input: DisconnectInput) {
    return this.#core.disconnect(input);
  }
  subscribe(input: SubscribeInput) {
    return this.#core.subscribe(input);
  }
  unsubscribe(input: SubscribeInput) {
    return this.#core.unsubscribe(input);
  }
  rooms(input: RoomsInput = {}, options?: CallOptions) {
    return this.#core.rooms(input, options);
  }
  allRooms(options?: CallOptions & { pageSize?: number | undefined }) {
    return pages(this, options);
  }
  revokeToken(input: RevokeTokenInput, options?: CallOptions) {
    return this.#core.revokeToken(input, options);
  }
  revokeUser(input: RevokeUserInput, options?: CallOptions) {
    return this.#core.revokeUser(input, options);
  }
  async info(): Promise<InfoResult> {
    return this.#core.info();
  }
  close(): Promise<void> {
    return this.#close();
  }
}

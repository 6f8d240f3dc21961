import type { ApiMetrics } from '@switchboard/api';
import type { BusStatus, RpcMetrics } from '@switchboard/bus';
import type { PresenceMetrics } from '@switchboard/presence';
import type { RouterMetrics } from '@switchboard/router';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The package version; the image build may say better with SWITCHBOARD_VERSION / SWITCHBOARD_REVISION. */
const PACKAGE_VERSION = '0.1.0';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Every product metric of the services besides the edge's own (`EdgeMetrics`), in one registry:
 * a process registers each family once, whichever roles it hosts (the standalone process hosts
 * all of them), so names never collide. Families of a role appear when that role starts.
 * docs/metrics.md lists them all; e2e/observability checks the list against real processes.
 */
export class ServerMetrics {
  readonly #registry: Registry;
  readonly #registers: Registry[];
  #rpc: { requests: Counter<'subject' | 'result'>; duration: Histogram<'subject'> } | undefined;
  #router: RouterMetrics | undefined;
  #presence: PresenceMetrics | undefined;
  #auth: RpcMetrics | undefined;
  #api: ApiMetrics | undefined;
  #bus: { connected: Gauge<'client'>; disconnects: Counter<'client'> } | undefined;
  #redis: { connected: Gauge; errors: Counter; reconnects: Counter } | undefined;

  constructor(registry: Registry, role: string, env: NodeJS.ProcessEnv = process.env) {
    this.#registry = registry;
    this.#registers = [registry];
    const info = new Gauge({
      name: 'switchboard_build_info',
      help: 'Always 1; the labels say which build runs and in which role',
      labelNames: ['version', 'revision', 'node_version', 'role'],
      registers: this.#registers,
    });
    info.set(
      {
        version: env['SWITCHBOARD_VERSION'] ?? PACKAGE_VERSION,
        revision: env['SWITCHBOARD_REVISION'] ?? 'unknown',
        node_version: process.version,
        role,
      },
      1,
    );
  }

  get registry(): Registry {
    return this.#registry;
  }

  /** Requests answered over the bus (`serve`), by subject and result. */
  rpc(): RpcMetrics {
    this.#rpc ??= {
      requests: new Counter({
        name: 'switchboard_rpc_requests_total',
        help: 'Bus requests answered by this process, by subject and result (ok or the error code name)',
        labelNames: ['subject', 'result'],
        registers: this.#registers,
      }),
      duration: new Histogram({
        name: 'switchboard_rpc_duration_seconds',
        help: 'Time to answer a bus request, by subject',
        labelNames: ['subject'],
        buckets: LATENCY_BUCKETS,
        registers: this.#registers,
      }),
    };
    const { requests, duration } = this.#rpc;
    return {
      served(subject, result, seconds) {
        requests.inc({ subject, result });
        duration.observe({ subject }, seconds);
      },
    };
  }

  router(): RouterMetrics {
    if (this.#router) return this.#router;
    const rpc = this.rpc();
    const appends = new Counter({
      name: 'switchboard_router_history_appends_total',
      help: 'Messages offered to history, by result (stored, duplicate)',
      labelNames: ['result'],
      registers: this.#registers,
    });
    const trims = new Counter({
      name: 'switchboard_router_history_trims_total',
      help: 'Appends that pushed the oldest entry of a room out of its history window',
      registers: this.#registers,
    });
    const recoveries = new Counter({
      name: 'switchboard_router_recoveries_total',
      help: 'Joins with a position, by outcome (recovered, unrecovered) and reason (epoch, trimmed, ahead; none)',
      labelNames: ['outcome', 'reason'],
      registers: this.#registers,
    });
    this.#router = {
      served: (subject, result, seconds) => rpc.served(subject, result, seconds),
      historyAppended(result, trimmed) {
        appends.inc({ result });
        if (trimmed) trims.inc();
      },
      recovery(outcome, reason) {
        recoveries.inc({ outcome, reason });
      },
    };
    return this.#router;
  }

  presence(): PresenceMetrics {
    if (this.#presence) return this.#presence;
    const rpc = this.rpc();
    const entries = new Counter({
      name: 'switchboard_presence_entry_changes_total',
      help: 'Presence entries added, left (a leave) or expired (removed by a sweep)',
      labelNames: ['change'],
      registers: this.#registers,
    });
    const sweeps = new Counter({
      name: 'switchboard_presence_sweeps_total',
      help: 'Sweeps for expired presence entries, by result (ok, failed)',
      labelNames: ['result'],
      registers: this.#registers,
    });
    this.#presence = {
      served: (subject, result, seconds) => rpc.served(subject, result, seconds),
      entries(change, count) {
        entries.inc({ change }, count);
      },
      sweep(result) {
        sweeps.inc({ result });
      },
    };
    return this.#presence;
  }

  /** Token verification results by reason, besides the request counts. */
  auth(): RpcMetrics {
    if (this.#auth) return this.#auth;
    const rpc = this.rpc();
    const verifications = new Counter({
      name: 'switchboard_auth_verifications_total',
      help: 'Token verifications by result (ok, or why not: token_expired, token_invalid, token_revoked, …)',
      labelNames: ['result'],
      registers: this.#registers,
    });
    this.#auth = {
      served(subject, result, seconds) {
        rpc.served(subject, result, seconds);
        verifications.inc({ result });
      },
    };
    return this.#auth;
  }

  /** gRPC calls of the server API. */
  api(): ApiMetrics {
    if (this.#api) return this.#api;
    const requests = new Counter({
      name: 'switchboard_api_requests_total',
      help: 'gRPC calls of the server API by method and result (ok or the error code name)',
      labelNames: ['method', 'result'],
      registers: this.#registers,
    });
    const duration = new Histogram({
      name: 'switchboard_api_request_duration_seconds',
      help: 'Time to answer a gRPC call, by method',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS,
      registers: this.#registers,
    });
    this.#api = {
      call(method, result, seconds) {
        requests.inc({ method, result });
        duration.observe({ method }, seconds);
      },
    };
    return this.#api;
  }

  /** Follows one NATS client's link (`client` is the service that owns it: edge, router, …). */
  watchNats(client: string, bus: { status(): BusStatus; onStatus(l: (s: BusStatus) => void): () => void }) {
    this.#bus ??= {
      connected: new Gauge({
        name: 'switchboard_nats_connected',
        help: "1 while a service's NATS connection is up, by client (the service that owns it)",
        labelNames: ['client'],
        registers: this.#registers,
      }),
      disconnects: new Counter({
        name: 'switchboard_nats_disconnects_total',
        help: "Times a service's NATS connection was lost, by client",
        labelNames: ['client'],
        registers: this.#registers,
      }),
    };
    const { connected, disconnects } = this.#bus;
    connected.set({ client }, bus.status() === 'connected' ? 1 : 0);
    disconnects.inc({ client }, 0);
    return bus.onStatus((status) => {
      connected.set({ client }, status === 'connected' ? 1 : 0);
      if (status !== 'connected') disconnects.inc({ client });
    });
  }

  /** Follows the Redis client (events of ioredis: ready, error, reconnecting, end). */
  watchRedis(redis: {
    status: string;
    on(event: 'ready' | 'end' | 'close' | 'reconnecting', l: () => void): unknown;
    on(event: 'error', l: (error: Error) => void): unknown;
  }): void {
    this.#redis ??= {
      connected: new Gauge({
        name: 'switchboard_redis_connected',
        help: '1 while the Redis client is ready to take commands',
        registers: this.#registers,
      }),
      errors: new Counter({
        name: 'switchboard_redis_errors_total',
        help: 'Errors reported by the Redis client (connection refused, reset, timeouts, …)',
        registers: this.#registers,
      }),
      reconnects: new Counter({
        name: 'switchboard_redis_reconnects_total',
        help: 'Reconnection attempts of the Redis client',
        registers: this.#registers,
      }),
    };
    const { connected, errors, reconnects } = this.#redis;
    connected.set(redis.status === 'ready' ? 1 : 0);
    redis.on('ready', () => connected.set(1));
    redis.on('close', () => connected.set(0));
    redis.on('end', () => connected.set(0));
    redis.on('reconnecting', () => reconnects.inc());
    redis.on('error', () => errors.inc());
  }
}

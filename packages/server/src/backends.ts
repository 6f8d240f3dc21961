import { type Bus, MemoryBusHub } from '@switchboard/bus';
import {
  type HistoryStore,
  MemoryHistoryStore,
  MemoryPresenceStore,
  MemoryRateLimitStore,
  MemoryRevocationStore,
  type PresenceStore,
  type RateLimitStore,
  type RevocationStore,
} from '@switchboard/stores';
import type { Logger } from '@switchboard/telemetry';
import type { Redis } from 'ioredis';

/**
 * The one place that turns `SB_BUS` / `SB_STORE` into implementations. Services receive
 * interfaces and never know which backend is behind them. NATS and Redis are imported only
 * when configured, so the embedded mode never loads their clients.
 */
export interface Backends {
  /** A new bus client for one service (with NATS: its own connection, named after it). */
  connectBus(service: string): Promise<Bus>;
  history(): HistoryStore;
  presence(): PresenceStore;
  rateLimits(): RateLimitStore;
  revocations(): RevocationStore;
  /** Why a backend link is down, if one is (for /readyz). */
  problems(): string[];
  close(): Promise<void>;
}

/** The settings the backends read (every role's configuration has them: the bus and stores pieces). */
export interface BackendSettings {
  bus: 'memory' | 'nats';
  natsUrl: string;
  store: 'memory' | 'redis';
  redisUrl: string;
  historySize: number;
  historyTtlMs: number;
  historyMetaTtlMs: number;
  historyMaxRooms: number;
  idempotencyTtlMs: number;
  presenceTtlMs: number;
}

export async function openBackends(config: BackendSettings, log: Logger, nodeId: string): Promise<Backends> {
  const buses: Bus[] = [];
  let connectBus: (service: string) => Promise<Bus>;
  if (config.bus === 'memory') {
    const hub = new MemoryBusHub({
      onHandlerError: (error, subject) => log.error({ err: error, subject }, 'bus handler failed'),
    });
    connectBus = async () => hub.connect();
  } else {
    const { NatsBus } = await import('@switchboard/bus/nats');
    connectBus = (service) =>
      NatsBus.connect({
        servers: config.natsUrl.split(','),
        name: `${service}@${nodeId}`,
        log: log.child({ bus: service }),
      });
  }

  let redis: Redis | undefined;
  let stores: {
    history: () => HistoryStore;
    presence: () => PresenceStore;
    rateLimits: () => RateLimitStore;
    revocations: () => RevocationStore;
  };
  const historyLimits = {
    size: config.historySize,
    ttlMs: config.historyTtlMs,
    metaTtlMs: config.historyMetaTtlMs,
    idempotencyTtlMs: config.idempotencyTtlMs,
  };
  if (config.store === 'memory') {
    stores = {
      history: () => new MemoryHistoryStore({ ...historyLimits, maxRooms: config.historyMaxRooms }),
      presence: () => new MemoryPresenceStore({ ttlMs: config.presenceTtlMs }),
      rateLimits: () => new MemoryRateLimitStore({ maxKeys: 100_000 }),
      revocations: () => new MemoryRevocationStore(),
    };
  } else {
    const [{ Redis: RedisClient }, redisStores] = await Promise.all([
      import('ioredis'),
      import('@switchboard/stores/redis'),
    ]);
    // Created on first use: a process that needs no store (an edge) neither connects to Redis
    // nor turns unready when Redis is down.
    const client = (): Redis => {
      if (redis) return redis;
      const created = new RedisClient(config.redisUrl, {
        // Fail fast while Redis is down: callers get "unavailable" instead of piling up.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        // Commands issued in one event-loop turn (a connect storm's revocation reads, a tick's
        // presence writes and appends) share one socket write and one round trip.
        enableAutoPipelining: true,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000) + Math.floor(Math.random() * 250),
        connectionName: `switchboard@${nodeId}`,
      });
      created.on('error', (error: Error) => log.warn({ err: error.message }, 'redis connection error'));
      created.on('ready', () => log.info('redis ready'));
      redis = created;
      return created;
    };
    stores = {
      history: () => new redisStores.RedisHistoryStore(client(), historyLimits),
      presence: () => new redisStores.RedisPresenceStore(client(), { ttlMs: config.presenceTtlMs }),
      rateLimits: () => new redisStores.RedisRateLimitStore(client()),
      revocations: () => new redisStores.RedisRevocationStore(client()),
    };
  }

  return {
    async connectBus(service) {
      const bus = await connectBus(service);
      buses.push(bus);
      return bus;
    },
    ...stores,
    problems() {
      const problems: string[] = [];
      for (const bus of buses) if (bus.status() !== 'connected') problems.push(`bus ${bus.status()}`);
      if (redis && redis.status !== 'ready') problems.push(`redis ${redis.status}`);
      return problems;
    },
    async close() {
      await Promise.all(buses.map((bus) => bus.close()));
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}

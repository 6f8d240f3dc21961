import { readFileSync } from 'node:fs';
import { type Bus, ConfigError, MemoryBusHub } from '@switchboard/bus';
import type { NatsAuthOptions, NatsTlsFiles } from '@switchboard/bus/nats';
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
import type { RedisClient as StoreRedisClient } from '@switchboard/stores/redis';
import type { Logger } from '@switchboard/telemetry';
import type { RedisOptions } from 'ioredis';
import type { ServerMetrics } from './metrics.js';
import { redisClientFactory } from './redis-client.js';

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
  natsUser: string | undefined;
  natsPasswordFile: string | undefined;
  natsNkeySeedFile: string | undefined;
  natsCredsFile: string | undefined;
  natsCaFile: string | undefined;
  natsCertFile: string | undefined;
  natsKeyFile: string | undefined;
  store: 'memory' | 'redis';
  redisUrl: string;
  redisUser: string | undefined;
  redisPasswordFile: string | undefined;
  redisCaFile: string | undefined;
  redisCertFile: string | undefined;
  redisKeyFile: string | undefined;
  redisClusterNodes: readonly string[];
  redisSentinels: readonly string[];
  redisSentinelMaster: string;
  redisWaitReplicas: number;
  redisWaitTimeoutMs: number;
  historySize: number;
  historyTtlMs: number;
  historyMetaTtlMs: number;
  historyMaxRooms: number;
  idempotencyTtlMs: number;
  presenceTtlMs: number;
}

export async function openBackends(
  config: BackendSettings,
  log: Logger,
  nodeId: string,
  metrics?: ServerMetrics,
): Promise<Backends> {
  const buses: Bus[] = [];
  let connectBus: (service: string) => Promise<Bus>;
  if (config.bus === 'memory') {
    const hub = new MemoryBusHub({
      onHandlerError: (error, subject) => log.error({ err: error, subject }, 'bus handler failed'),
    });
    connectBus = async () => hub.connect();
  } else {
    const { NatsBus } = await import('@switchboard/bus/nats');
    connectBus = async (service) => {
      const bus = await NatsBus.connect({
        servers: config.natsUrl.split(','),
        name: `${service}@${nodeId}`,
        log: log.child({ bus: service }),
        auth: natsAuthOf(config),
        tls: natsTlsOf(config),
        // Each role reads replies on its own prefix: nats-server lets it subscribe to no other.
        inboxPrefix: inboxPrefixOf(service),
      });
      metrics?.watchNats(service, bus);
      return bus;
    };
  }

  let redis: StoreRedisClient | undefined;
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
    // Standalone, Cluster or Sentinel: see redis-client.ts.
    const [connectRedis, redisStores] = await Promise.all([
      redisClientFactory(config),
      import('@switchboard/stores/redis'),
    ]);
    // Created on first use: a process that needs no store (an edge) neither connects to Redis
    // nor turns unready when Redis is down.
    const client = (): StoreRedisClient => {
      if (redis) return redis;
      const created = connectRedis({
        ...redisSecurityOf(config),
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
      metrics?.watchRedis(created);
      redis = created;
      return created;
    };
    stores = {
      history: () =>
        new redisStores.RedisHistoryStore(client(), {
          ...historyLimits,
          waitReplicas: config.redisWaitReplicas,
          waitTimeoutMs: config.redisWaitTimeoutMs,
        }),
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

function natsAuthOf(config: BackendSettings): NatsAuthOptions {
  return {
    ...(config.natsUser !== undefined ? { user: config.natsUser } : {}),
    ...(config.natsPasswordFile !== undefined ? { passwordFile: config.natsPasswordFile } : {}),
    ...(config.natsNkeySeedFile !== undefined ? { nkeySeedFile: config.natsNkeySeedFile } : {}),
    ...(config.natsCredsFile !== undefined ? { credsFile: config.natsCredsFile } : {}),
  };
}

function natsTlsOf(config: BackendSettings): NatsTlsFiles {
  return {
    ...(config.natsCaFile !== undefined ? { caFile: config.natsCaFile } : {}),
    ...(config.natsCertFile !== undefined ? { certFile: config.natsCertFile } : {}),
    ...(config.natsKeyFile !== undefined ? { keyFile: config.natsKeyFile } : {}),
  };
}

/** `_INBOX_edge`, `_INBOX_api`, …: the reply prefix nats-server permits for that role (see bus-permissions). */
export function inboxPrefixOf(service: string): string {
  return `_INBOX_${service}`;
}

/** Redis ACL user, password (from its file) and TLS files; a `rediss://` URL turns TLS on. */
function redisSecurityOf(config: BackendSettings): RedisOptions {
  const options: RedisOptions = {};
  if (config.redisUser !== undefined) options.username = config.redisUser;
  if (config.redisPasswordFile !== undefined) {
    options.password = readFile(config.redisPasswordFile, 'SB_REDIS_PASSWORD_FILE').replace(/\r?\n$/, '');
  }
  const tls = {
    ...(config.redisCaFile !== undefined ? { ca: readFile(config.redisCaFile, 'SB_REDIS_CA_FILE') } : {}),
    ...(config.redisCertFile !== undefined
      ? { cert: readFile(config.redisCertFile, 'SB_REDIS_CERT_FILE') }
      : {}),
    ...(config.redisKeyFile !== undefined ? { key: readFile(config.redisKeyFile, 'SB_REDIS_KEY_FILE') } : {}),
  };
  if (Object.keys(tls).length > 0) options.tls = tls;
  return options;
}

function readFile(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${setting}: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AuthClient, startAuthService, TokenVerifier } from '@switchboard/auth';
import { Edge, EdgeMetrics, listenEdge } from '@switchboard/edge';
import { PresenceClient, startPresenceService } from '@switchboard/presence';
import { RouterClient, startRouterService } from '@switchboard/router';
import {
  type Config,
  ConfigError,
  effectiveJwtSecrets,
  type Logger,
  MemoryBusHub,
  MemoryHistoryStore,
  MemoryPresenceStore,
  MemoryRateLimitStore,
  MemoryRevocationStore,
  startHealthServer,
} from '@switchboard/runtime';
import { Registry } from 'prom-client';

export interface Standalone {
  wsPort: number;
  httpPort: number;
  edge: Edge;
  /** Tells clients to reconnect elsewhere, spread over `windowMs`. */
  drain(windowMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * All four services in one process on the in-memory bus and stores: the same packages and
 * the same bus subjects as cluster mode, with a MemoryBusHub in place of nats-server.
 */
export async function startStandalone(
  config: Config,
  deps: { log: Logger; registry?: Registry },
): Promise<Standalone> {
  const { log } = deps;
  const registry = deps.registry ?? new Registry();
  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}`;
  const hub = new MemoryBusHub({
    onHandlerError: (error, subject) => log.error({ err: error, subject }, 'bus handler failed'),
  });
  const history = new MemoryHistoryStore({
    size: config.historySize,
    ttlMs: config.historyTtlMs,
    metaTtlMs: config.historyMetaTtlMs,
    idempotencyTtlMs: config.idempotencyTtlMs,
    maxRooms: config.historyMaxRooms,
  });
  const presenceStore = new MemoryPresenceStore({ ttlMs: config.presenceTtlMs });
  const rateLimits = new MemoryRateLimitStore({ maxKeys: 100_000 });
  const revocations = new MemoryRevocationStore();

  const verifier = new TokenVerifier({
    secrets: effectiveJwtSecrets(config),
    publicKeys: readPublicKeys(config.jwtPublicKeyFiles),
    ...(config.jwtIssuer !== undefined ? { issuer: config.jwtIssuer } : {}),
    ...(config.jwtAudience !== undefined ? { audience: config.jwtAudience } : {}),
    clockToleranceS: config.jwtClockToleranceS,
    revocations,
  });
  const services = [
    startAuthService({ bus: hub.connect(), verifier, log: log.child({ svc: 'auth' }) }),
    startRouterService({
      bus: hub.connect(),
      history,
      rateLimits,
      options: {
        historySize: config.historySize,
        userPublishRate: config.userPublishRate,
        userPublishBurst: config.userPublishBurst,
      },
      log: log.child({ svc: 'router' }),
    }),
    startPresenceService({
      bus: hub.connect(),
      store: presenceStore,
      options: {
        rooms: config.presenceRooms,
        diffRooms: config.presenceDiffRooms,
        diffMaxMembers: config.presenceDiffMaxMembers,
        sweepIntervalMs: Math.max(1_000, Math.floor(config.presenceTtlMs / 3)),
      },
      log: log.child({ svc: 'presence' }),
    }),
  ];

  const edgeBus = hub.connect();
  const edge = new Edge({
    bus: edgeBus,
    auth: new AuthClient(edgeBus, config.requestTimeoutMs),
    router: new RouterClient(edgeBus, config.requestTimeoutMs),
    presence: new PresenceClient(edgeBus, config.requestTimeoutMs),
    metrics: new EdgeMetrics(registry),
    log: log.child({ svc: 'edge' }),
    options: {
      nodeId,
      maxConnections: config.maxConnections,
      allowedOrigins: config.allowedOrigins,
      authTimeoutMs: config.authTimeoutMs,
      pingIntervalMs: config.pingIntervalMs,
      maxFrameBytes: config.maxFrameBytes,
      maxRoomsPerConnection: config.maxRoomsPerConnection,
      connectionRate: config.connectionRate,
      connectionBurst: config.connectionBurst,
      outboundMaxBytes: config.outboundMaxBytes,
      tokenExpiryGraceMs: config.tokenExpiryGraceMs,
      presenceRefreshMs: Math.max(1_000, Math.floor(config.presenceTtlMs / 3)),
    },
  });
  edge.start();
  const ws = await listenEdge(edge, { host: config.wsHost, port: config.wsPort });
  const health = await startHealthServer({
    host: config.httpHost,
    port: config.httpPort,
    registry,
    readiness: () => edge.ready(),
  });

  let stopped = false;
  return {
    wsPort: ws.port,
    httpPort: health.port,
    edge,
    drain: (windowMs) => edge.drain(windowMs),
    async stop() {
      if (stopped) return;
      stopped = true;
      await edge.stop();
      await ws.close();
      for (const service of services) service.stop();
      await edgeBus.close();
      await Promise.all([history.close(), presenceStore.close(), rateLimits.close(), revocations.close()]);
      await health.close();
    },
  };
}

function readPublicKeys(files: readonly string[]): string[] {
  return files.map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError([
        `SB_JWT_PUBLIC_KEY_FILES: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
  });
}

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type ApiServer, apiSettings, DEV_API_KEY, startApiServer } from '@switchboard/api';
import {
  AuthClient,
  effectiveJwtSecrets,
  JwksKeySet,
  startAuthService,
  TokenVerifier,
} from '@switchboard/auth';
import { type Bus, ConfigError } from '@switchboard/bus';
import { createEdgeHttpServer, Edge, EdgeMetrics } from '@switchboard/edge';
import { PresenceClient, startPresenceService } from '@switchboard/presence';
import { RouterClient, startRouterService } from '@switchboard/router';
import type { Logger } from '@switchboard/telemetry';
import { Registry } from 'prom-client';
import { type Backends, openBackends } from './backends.js';
import type {
  ApiConfig,
  AuthConfig,
  EdgeConfig,
  PresenceConfig,
  RouterConfig,
  StandaloneConfig,
} from './config/roles.js';
import { startHealthServer } from './health-server.js';
import { listen } from './listen.js';
import { ServerMetrics } from './metrics.js';
import { startNodeHeartbeat } from './node-heartbeat.js';

export interface Standalone {
  wsPort: number;
  httpPort: number;
  /** The gRPC server API's port; undefined when it is off (production without SB_API_KEYS). */
  grpcPort: number | undefined;
  edge: Edge;
  /** A new bus client, as an internal service would have (tests publish notifications with it). */
  connectBus(): Promise<Bus>;
  /** Tells clients to reconnect elsewhere, spread over `windowMs`. */
  drain(windowMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * All four services in one process. With the defaults they talk over the in-memory bus and
 * keep state in memory (`pnpm start`); with SB_BUS=nats and SB_STORE=redis the very same
 * process runs against NATS and Redis — the packages and subjects are those of cluster mode.
 */
export async function startStandalone(
  config: StandaloneConfig,
  deps: { log: Logger; registry?: Registry },
): Promise<Standalone> {
  const { log } = deps;
  const registry = deps.registry ?? new Registry();
  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}`;
  // One registry for every role here: ServerMetrics registers each family once.
  const metrics = new ServerMetrics(registry, 'standalone');
  const backends = await openBackends(config, log, nodeId, metrics);
  const services = await startServices(config, backends, log, metrics);

  const edgeNode = await startEdgeNode(config, backends, registry, log, nodeId);
  const edge = edgeNode.edge;
  const api = await startEmbeddedApi(config, backends, log, nodeId, metrics);
  const health = await startHealthServer({
    host: config.httpHost,
    port: config.httpPort,
    registry,
    readiness: () => {
      const state = edge.ready();
      const reasons = [
        ...state.reasons,
        ...backends.problems(),
        ...services.flatMap((service) => service.problems?.() ?? []),
      ];
      return { ready: reasons.length === 0, reasons: [...new Set(reasons)] };
    },
  });

  let stopped = false;
  return {
    wsPort: edgeNode.port,
    httpPort: health.port,
    grpcPort: api?.port,
    edge,
    connectBus: () => backends.connectBus('test'),
    drain: (windowMs) => edge.drain(windowMs),
    async stop() {
      if (stopped) return;
      stopped = true;
      await api?.stop();
      await edgeNode.stop();
      for (const service of services) service.stop();
      await backends.close();
      await health.close();
    },
  };
}

// ---- the gRPC server API (docs/api.md) --------------------------------------------------------

/**
 * The API in the all-in-one process. In production without SB_API_KEYS it stays off (with a
 * warning) rather than stopping the WebSocket service; the dedicated api service refuses to start.
 */
async function startEmbeddedApi(
  config: ApiConfig,
  backends: Backends,
  log: Logger,
  nodeId: string,
  metrics: ServerMetrics,
): Promise<ApiServer | undefined> {
  if (config.env === 'production' && config.apiKeys.length === 0 && !config.apiInsecure) {
    log.warn('server API off: set SB_API_KEYS to serve it (docs/api.md)');
    return undefined;
  }
  return startApiNode(config, backends, log, `${nodeId}-api`, undefined, metrics);
}

/** The gRPC server API on its own bus client; logs where it listens and whether the dev key is in force. */
export async function startApiNode(
  config: ApiConfig,
  backends: Backends,
  log: Logger,
  nodeId: string,
  problems?: () => string[],
  metrics?: ServerMetrics,
): Promise<ApiServer> {
  const settings = apiSettings(config);
  const apiLog = log.child({ svc: 'api' });
  const server = await startApiServer({
    bus: await backends.connectBus('api'),
    log: apiLog,
    nodeId,
    host: settings.host,
    port: settings.port,
    keys: settings.keys,
    insecure: settings.insecure,
    ...(settings.tls ? { tls: settings.tls } : {}),
    timeoutMs: settings.timeoutMs,
    problems: () => [...backends.problems(), ...(problems?.() ?? [])],
    ...(metrics ? { metrics: metrics.api() } : {}),
    ...(config.consolePort !== undefined
      ? { console: { host: settings.host, port: config.consolePort } }
      : {}),
  });
  apiLog.info(
    {
      grpc: `${settings.host}:${server.port}`,
      tls: settings.tls ? (settings.tls.ca ? 'mtls' : 'tls') : 'off',
    },
    'server API (gRPC) listening',
  );
  if (settings.usingDevKey) {
    // The hint names the port actually bound, so it works as pasted whatever SB_GRPC_PORT says.
    const dialHost = ['0.0.0.0', '::', ''].includes(settings.host) ? 'localhost' : settings.host;
    apiLog.warn(
      `server API uses the development API key "${DEV_API_KEY}" — try: pnpm -s switchboard info --grpc ${dialHost}:${server.port} --api-key ${DEV_API_KEY}`,
    );
  }
  if (server.consolePort !== undefined) {
    apiLog.info({ console: `http://${settings.host}:${server.consolePort}` }, 'ops console listening');
  }
  if (settings.insecure) apiLog.warn('server API accepts calls WITHOUT an API key (SB_API_INSECURE=true)');
  return server;
}

/** The edge: its bus client, the WebSocket listener, heartbeats. */
export async function startEdgeNode(
  config: EdgeConfig,
  backends: Backends,
  registry: Registry,
  log: Logger,
  nodeId: string,
): Promise<{ edge: Edge; port: number; stop(): Promise<void> }> {
  const bus = await backends.connectBus('edge');
  const edge = new Edge({
    bus,
    auth: new AuthClient(bus, config.requestTimeoutMs),
    router: new RouterClient(bus, config.requestTimeoutMs),
    presence: new PresenceClient(bus, config.requestTimeoutMs),
    metrics: new EdgeMetrics(registry),
    log: log.child({ svc: 'edge' }),
    options: edgeOptions(config, nodeId),
  });
  edge.start();
  const ws = await listen(createEdgeHttpServer(edge), config.wsHost, config.wsPort);
  return {
    edge,
    port: ws.port,
    async stop() {
      await edge.stop();
      await ws.close();
    },
  };
}

/** Auth, router and presence on their own bus clients, as separate processes would be. */
export async function startServices(
  config: AuthConfig & RouterConfig & PresenceConfig,
  backends: Backends,
  log: Logger,
  metrics?: ServerMetrics,
): Promise<Array<{ stop(): void; problems?(): string[] }>> {
  return [
    await startAuthNode(config, backends, log, metrics),
    await startRouterNode(config, backends, log, metrics),
    await startPresenceNode(config, backends, log, metrics),
  ];
}

/** The auth service (token verification) on its own bus client. */
export async function startAuthNode(
  config: AuthConfig,
  backends: Backends,
  log: Logger,
  metrics?: ServerMetrics,
  heartbeat?: { nodeId: string },
): Promise<{ stop(): void; problems(): string[] }> {
  // One store for checking and for revoking: the memory store is per instance.
  const revocations = backends.revocations();
  const jwks =
    config.jwtJwksUrls.length > 0
      ? new JwksKeySet({
          urls: config.jwtJwksUrls,
          unknownKidCooldownMs: config.jwtJwksCooldownS * 1000,
          ...(config.jwtJwksCaFile !== undefined ? { ca: readFileSync(config.jwtJwksCaFile, 'utf8') } : {}),
          log: log.child({ svc: 'auth', part: 'jwks' }),
        })
      : undefined;
  // Failures are retried in the background; readiness says when no key is usable.
  await jwks?.start();
  const verifier = new TokenVerifier({
    secrets: effectiveJwtSecrets(config),
    publicKeys: readPublicKeys(config.jwtPublicKeyFiles),
    ...(jwks ? { jwks } : {}),
    ...(config.jwtIssuer !== undefined ? { issuer: config.jwtIssuer } : {}),
    ...(config.jwtAudience !== undefined ? { audience: config.jwtAudience } : {}),
    clockToleranceS: config.jwtClockToleranceS,
    requireExp: config.jwtRequireExp ?? config.env === 'production',
    revocations,
  });
  const bus = await backends.connectBus('auth');
  const service = startAuthService({
    bus,
    verifier,
    log: log.child({ svc: 'auth' }),
    revocations: { store: revocations, rememberMs: config.revocationTtlS * 1000 },
    ...(metrics ? { metrics: metrics.auth() } : {}),
  });
  const stopHeartbeat = heartbeat
    ? startNodeHeartbeat(bus, { nodeId: heartbeat.nodeId, kind: 'auth' })
    : undefined;
  return {
    stop() {
      stopHeartbeat?.();
      jwks?.stop();
      service.stop();
    },
    problems: () => jwks?.problems() ?? [],
  };
}

/** The router (publish, history, rate limits) on its own bus client. */
export async function startRouterNode(
  config: RouterConfig,
  backends: Backends,
  log: Logger,
  metrics?: ServerMetrics,
  heartbeat?: { nodeId: string },
): Promise<{ stop(): void }> {
  const bus = await backends.connectBus('router');
  const service = startRouterService({
    bus,
    history: backends.history(),
    options: {
      historySize: config.historySize,
      userPublishRate: config.userPublishRate,
      userPublishBurst: config.userPublishBurst,
      lifecycleEvents: config.lifecycleEvents,
    },
    log: log.child({ svc: 'router' }),
    ...(metrics ? { metrics: metrics.router() } : {}),
  });
  const stopHeartbeat = heartbeat
    ? startNodeHeartbeat(bus, { nodeId: heartbeat.nodeId, kind: 'router' })
    : undefined;
  return {
    stop() {
      stopHeartbeat?.();
      service.stop();
    },
  };
}

/** The presence service on its own bus client. */
export async function startPresenceNode(
  config: PresenceConfig,
  backends: Backends,
  log: Logger,
  metrics?: ServerMetrics,
  heartbeat?: { nodeId: string },
): Promise<{ stop(): void }> {
  const bus = await backends.connectBus('presence');
  const service = startPresenceService({
    bus,
    store: backends.presence(),
    options: {
      rooms: config.presenceRooms,
      diffRooms: config.presenceDiffRooms,
      diffMaxMembers: config.presenceDiffMaxMembers,
      sweepIntervalMs: Math.max(250, Math.floor(config.presenceTtlMs / 3)),
    },
    log: log.child({ svc: 'presence' }),
    ...(metrics ? { metrics: metrics.presence() } : {}),
  });
  const stopHeartbeat = heartbeat
    ? startNodeHeartbeat(bus, { nodeId: heartbeat.nodeId, kind: 'presence' })
    : undefined;
  return {
    stop() {
      stopHeartbeat?.();
      service.stop();
    },
  };
}

export function edgeOptions(config: EdgeConfig, nodeId: string) {
  return {
    nodeId,
    maxConnections: config.maxConnections,
    allowedOrigins: config.allowedOrigins,
    perClient: {
      maxConnectionsPerIp: config.maxConnectionsPerIp,
      maxUnauthenticatedPerIp: config.maxUnauthenticatedPerIp,
      upgradeRatePerIp: config.upgradeRatePerIp,
      upgradeBurstPerIp: config.upgradeBurstPerIp,
      trustedProxies: config.trustedProxies,
    },
    authTimeoutMs: config.authTimeoutMs,
    pingIntervalMs: config.pingIntervalMs,
    pongTimeoutMs: config.pongTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    maxRoomsPerConnection: config.maxRoomsPerConnection,
    connectionRate: config.connectionRate,
    connectionBurst: config.connectionBurst,
    outboundMaxBytes: config.outboundMaxBytes,
    tokenExpiryGraceMs: config.tokenExpiryGraceMs,
    presenceRefreshMs: Math.max(250, Math.floor(config.presenceTtlMs / 3)),
    lifecycleEvents: config.lifecycleEvents,
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

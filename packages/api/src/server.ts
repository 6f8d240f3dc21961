import { readFileSync } from 'node:fs';
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { type Bus, ConfigError } from '@switchboard/bus';
import { ErrorCode, errorName } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import { ApiKeys } from './auth.js';
import { startConsole } from './console/server.js';
import { ApiCore } from './core.js';
import { type ApiKeySettings, DEV_API_KEY, effectiveApiKeys } from './dev-key.js';
import { SwitchboardApiError, toApiError, toServiceError } from './errors.js';
import { NodeTable } from './nodes.js';
import { loadProtos, SERVICE_NAME } from './proto.js';
import { fromWire, toWire, type Wire } from './wire.js';

export interface ApiServerOptions {
  bus: Bus;
  log: Logger;
  nodeId: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  keys: readonly string[];
  /** Accept calls without a key (development only). */
  insecure?: boolean;
  /** PEM contents. With `ca`, clients must present a certificate it signed (mTLS). */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  /** Bus request timeout, and the ceiling of a call's own deadline. */
  timeoutMs: number;
  /** Why this node is not ready, besides its bus link (the health service reports it). */
  problems?: () => string[];
  /** Info drops nodes silent this long (default 10 s). */
  nodeSilentMs?: number;
  /** Told about every call: gRPC method, `ok` or the error code's name, and its duration. */
  metrics?: ApiMetrics;
  /** Serve the ops console (web UI, same API keys) on this address too. */
  console?: { host: string; port: number };
}

export interface ApiMetrics {
  call(method: string, result: string, seconds: number): void;
}

export interface ApiServer {
  port: number;
  core: ApiCore;
  /** The ops console's port, when it is on. */
  consolePort?: number;
  /** Reports NOT_SERVING from now on (used while shutting down). */
  setServing(serving: boolean): void;
  stop(): Promise<void>;
}

type Handler<Req, Res> = (request: Req, timeoutMs: number) => Promise<Res> | Res;

/**
 * The gRPC server API: `switchboard.v1.Switchboard` (every call needs an API key) and the
 * standard `grpc.health.v1.Health` (no key: probes and load balancers call it). Stateless —
 * everything goes over the bus — so any number of instances can serve behind a balancer.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { bus, log } = options;
  const keys = new ApiKeys(options.keys, { insecure: options.insecure ?? false });
  const nodes = new NodeTable({
    nodeId: options.nodeId,
    ...(options.nodeSilentMs !== undefined ? { silentMs: options.nodeSilentMs } : {}),
  });
  nodes.start(bus);
  const core = new ApiCore({ bus, timeoutMs: options.timeoutMs, nodes });
  const protos = loadProtos();
  let serving = true;

  const unary =
    <Req, Res>(method: string, handler: Handler<Req, Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const started = Date.now();
      void (async () => {
        try {
          keys.check(call.metadata);
          const result = await handler(call.request, remainingMs(call, options.timeoutMs));
          callback(null, result);
          options.metrics?.call(method, 'ok', (Date.now() - started) / 1000);
          log.debug({ method, ms: Date.now() - started }, 'api call');
        } catch (error) {
          const e = toApiError(error);
          options.metrics?.call(method, errorName(e.code), (Date.now() - started) / 1000);
          if (e.code === ErrorCode.Internal) log.error({ err: error, method }, 'api call failed');
          else log.debug({ method, code: e.code, err: e.message }, 'api call refused');
          callback(toServiceError(e));
        }
      })();
    };

  const api: Wire.SwitchboardHandlers = {
    Publish: unary<Wire.PublishRequest__Output, Wire.PublishReply>('Publish', async (m, timeoutMs) =>
      toWire.publish(await core.publish(fromWire.publish(m), { timeoutMs })),
    ),
    Broadcast: unary<Wire.BroadcastRequest__Output, Wire.BroadcastReply>('Broadcast', async (m, timeoutMs) =>
      toWire.broadcast(await core.broadcast(fromWire.broadcast(m), { timeoutMs })),
    ),
    PublishToUser: unary<Wire.PublishToUserRequest__Output, Wire.PublishToUserReply>(
      'PublishToUser',
      async (m, timeoutMs) => {
        await core.publishToUser(fromWire.publishToUser(m), { timeoutMs });
        return {};
      },
    ),
    Presence: unary<Wire.PresenceRequest__Output, Wire.PresenceReply>('Presence', async (m, timeoutMs) =>
      toWire.presence(await core.presence({ room: m.room }, { timeoutMs })),
    ),
    PresenceStats: unary<Wire.PresenceStatsRequest__Output, Wire.PresenceStatsReply>(
      'PresenceStats',
      async (m, timeoutMs) => toWire.presenceStats(await core.presenceStats({ room: m.room }, { timeoutMs })),
    ),
    History: unary<Wire.HistoryRequest__Output, Wire.HistoryReply>('History', async (m, timeoutMs) =>
      toWire.history(await core.history(fromWire.history(m), { timeoutMs })),
    ),
    Disconnect: unary<Wire.DisconnectRequest__Output, Wire.DisconnectReply>('Disconnect', async (m) => {
      await core.disconnect(fromWire.disconnect(m));
      return {};
    }),
    Subscribe: unary<Wire.SubscribeRequest__Output, Wire.SubscribeReply>('Subscribe', async (m) => {
      await core.subscribe({ user: m.user, room: m.room });
      return {};
    }),
    Unsubscribe: unary<Wire.UnsubscribeRequest__Output, Wire.UnsubscribeReply>('Unsubscribe', async (m) => {
      await core.unsubscribe({ user: m.user, room: m.room });
      return {};
    }),
    Rooms: unary<Wire.RoomsRequest__Output, Wire.RoomsReply>('Rooms', async (m, timeoutMs) =>
      toWire.rooms(await core.rooms(fromWire.rooms(m), { timeoutMs })),
    ),
    Info: unary<Wire.InfoRequest__Output, Wire.InfoReply>('Info', () => toWire.info(core.info())),
    RevokeToken: unary<Wire.RevokeTokenRequest__Output, Wire.RevokeTokenReply>(
      'RevokeToken',
      async (m, timeoutMs) =>
        toWire.revokeToken(await core.revokeToken(fromWire.revokeToken(m), { timeoutMs })),
    ),
    RevokeUser: unary<Wire.RevokeUserRequest__Output, Wire.RevokeUserReply>(
      'RevokeUser',
      async (m, timeoutMs) => toWire.revokeUser(await core.revokeUser(fromWire.revokeUser(m), { timeoutMs })),
    ),
  };

  const status = (): 'SERVING' | 'NOT_SERVING' => {
    if (!serving || bus.status() !== 'connected') return 'NOT_SERVING';
    return (options.problems?.() ?? []).length === 0 ? 'SERVING' : 'NOT_SERVING';
  };
  const knownService = (name: string) => name === '' || name === SERVICE_NAME;
  const health: UntypedServiceImplementation = {
    Check: (
      call: ServerUnaryCall<{ service: string }, { status: string }>,
      callback: sendUnaryData<{ status: string }>,
    ) => {
      if (!knownService(call.request.service)) {
        callback(
          toServiceError(
            new SwitchboardApiError(ErrorCode.NotJoined, `unknown service "${call.request.service}"`),
          ),
        );
        return;
      }
      callback(null, { status: status() });
    },
    Watch: (call: ServerWritableStream<{ service: string }, { status: string }>) => {
      let last = '';
      const send = () => {
        const now = knownService(call.request.service) ? status() : 'SERVICE_UNKNOWN';
        if (now !== last) {
          last = now;
          call.write({ status: now });
        }
      };
      send();
      const timer = setInterval(send, 1_000);
      call.on('cancelled', () => clearInterval(timer));
      call.on('close', () => clearInterval(timer));
    },
  };

  const server = new Server();
  server.addService(protos.Switchboard.service, api);
  server.addService(protos.Health.service, health);
  const credentials = options.tls
    ? ServerCredentials.createSsl(
        options.tls.ca ?? null,
        [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
        options.tls.ca !== undefined,
      )
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });

  let stopped = false;
  const opsConsole = options.console
    ? await startConsole({
        core,
        bus,
        log: log.child({ part: 'console' }),
        host: options.console.host,
        port: options.console.port,
        keys: options.keys,
        insecure: options.insecure ?? false,
      })
    : undefined;
  return {
    port,
    core,
    setServing(value) {
      serving = value;
    },
    ...(opsConsole ? { consolePort: opsConsole.port } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      serving = false;
      nodes.stop();
      await opsConsole?.close();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** A call's own deadline (if any) caps the bus timeout; one already passed is DEADLINE_EXCEEDED. */
function remainingMs(call: { getDeadline(): Date | number }, ceilingMs: number): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return ceilingMs;
  const left = at - Date.now();
  if (left <= 0)
    throw new SwitchboardApiError(ErrorCode.Timeout, 'deadline exceeded before the call started');
  return Math.min(ceilingMs, left);
}

/** What `startApiServer` needs from configuration, besides the bus, logger and node id. */
export interface ApiSettings {
  host: string;
  port: number;
  keys: string[];
  insecure: boolean;
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  timeoutMs: number;
  /** The development key is in force (say so in the start-up log). */
  usingDevKey: boolean;
}

/** The configuration `apiSettings` reads (the api role's configuration has these). */
export interface ApiConfigSettings extends ApiKeySettings {
  apiInsecure: boolean;
  grpcHost: string;
  grpcPort: number;
  grpcTlsCertFile: string | undefined;
  grpcTlsKeyFile: string | undefined;
  grpcTlsCaFile: string | undefined;
  requestTimeoutMs: number;
}

/**
 * Reads API settings: keys (the dev key in development when none are set), TLS files. Throws
 * `ConfigError` when the API cannot start securely (production without SB_API_KEYS).
 */
export function apiSettings(config: ApiConfigSettings): ApiSettings {
  const keys = effectiveApiKeys(config);
  if (keys.length === 0 && !config.apiInsecure) {
    throw new ConfigError([
      'the server API needs SB_API_KEYS in production (or run without the API); SB_API_INSECURE is for development only',
    ]);
  }
  const read = (env: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError([
        `${env}: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
  };
  const tls =
    config.grpcTlsCertFile !== undefined && config.grpcTlsKeyFile !== undefined
      ? {
          cert: read('SB_GRPC_TLS_CERT_FILE', config.grpcTlsCertFile),
          key: read('SB_GRPC_TLS_KEY_FILE', config.grpcTlsKeyFile),
          ...(config.grpcTlsCaFile !== undefined
            ? { ca: read('SB_GRPC_TLS_CA_FILE', config.grpcTlsCaFile) }
            : {}),
        }
      : undefined;
  return {
    host: config.grpcHost,
    port: config.grpcPort,
    keys,
    insecure: config.apiInsecure,
    ...(tls ? { tls } : {}),
    timeoutMs: config.requestTimeoutMs,
    usingDevKey: config.apiKeys.length === 0 && keys.includes(DEV_API_KEY),
  };
}

export type { Metadata };

import { LIFECYCLE_KINDS, type LifecycleKind } from '@switchboard/bus';
import type { LogFormat, LogLevel } from '@switchboard/telemetry';
import {
  boolean,
  hostPorts,
  httpsUrlList,
  kindsOf,
  list,
  oneOf,
  optionalBoolean,
  optionalPort,
  optionalText,
  port,
  text,
  urls,
  type ValueSchema,
  wholeNumber,
} from './values.js';

/**
 * Every Switchboard setting: its environment variable, default, meaning (README's table is
 * generated from these) and the schema its text must pass. Which process reads which setting
 * is decided in pieces.ts and roles.ts.
 */
export interface Setting<T> {
  readonly env: `SB_${string}`;
  readonly doc: string;
  /** Also shown in docs; `undefined` means "not set". */
  readonly default: T;
  readonly schema: ValueSchema<T>;
  /** The value is a secret: never printed. */
  readonly secret: boolean;
}

function setting<T>(
  env: `SB_${string}`,
  defaultValue: NoInfer<T>,
  doc: string,
  schema: ValueSchema<T>,
  options: { secret?: boolean } = {},
): Setting<T> {
  return { env, default: defaultValue, doc, schema, secret: options.secret ?? false };
}

export const SETTINGS = {
  env: setting(
    'SB_ENV',
    'development',
    'development allows the built-in dev JWT secret; production refuses it',
    oneOf('development', 'production'),
  ),
  logLevel: setting(
    'SB_LOG_LEVEL',
    'info',
    'pino log level',
    oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  ),
  logFormat: setting(
    'SB_LOG_FORMAT',
    'auto',
    'log lines: auto (pretty on a terminal, JSON otherwise), json or pretty',
    oneOf<LogFormat>('auto', 'json', 'pretty'),
  ),
  nodeId: setting(
    'SB_NODE_ID',
    undefined,
    'name of this process in logs, metrics and presence (default: hostname-pid)',
    optionalText,
  ),

  bus: setting('SB_BUS', 'memory', 'memory (single process) or nats', oneOf('memory', 'nats')),
  natsUrl: setting(
    'SB_NATS_URL',
    'nats://127.0.0.1:4222',
    'NATS server URLs, comma-separated (SB_BUS=nats)',
    urls(['nats:', 'tls:']),
  ),
  natsUser: setting(
    'SB_NATS_USER',
    undefined,
    'NATS user name (password in SB_NATS_PASSWORD_FILE); or put user:pass in SB_NATS_URL',
    optionalText,
  ),
  natsPasswordFile: setting(
    'SB_NATS_PASSWORD_FILE',
    undefined,
    'file holding the NATS password of SB_NATS_USER (read again on every reconnect)',
    optionalText,
  ),
  natsNkeySeedFile: setting(
    'SB_NATS_NKEY_SEED_FILE',
    undefined,
    "file holding this role's NATS NKey seed (SU…), instead of a password",
    optionalText,
  ),
  natsCredsFile: setting(
    'SB_NATS_CREDS_FILE',
    undefined,
    'NATS .creds file (user JWT + seed, decentralised auth), instead of a password',
    optionalText,
  ),
  natsCaFile: setting(
    'SB_NATS_CA_FILE',
    undefined,
    'PEM CA bundle that signed the NATS server certificate (turns TLS on)',
    optionalText,
  ),
  natsCertFile: setting(
    'SB_NATS_CERT_FILE',
    undefined,
    'PEM client certificate for NATS mutual TLS (with SB_NATS_KEY_FILE)',
    optionalText,
  ),
  natsKeyFile: setting('SB_NATS_KEY_FILE', undefined, 'PEM private key of SB_NATS_CERT_FILE', optionalText),
  busInsecure: setting(
    'SB_BUS_INSECURE',
    false,
    'allow unauthenticated or plaintext NATS/Redis with SB_ENV=production (development escape hatch; never on a shared network)',
    boolean,
  ),
  store: setting('SB_STORE', 'memory', 'memory (single process) or redis', oneOf('memory', 'redis')),
  redisUrl: setting(
    'SB_REDIS_URL',
    'redis://127.0.0.1:6379',
    'Redis URL (SB_STORE=redis)',
    urls(['redis:', 'rediss:']),
  ),
  redisUser: setting(
    'SB_REDIS_USER',
    undefined,
    'Redis ACL user (password in SB_REDIS_PASSWORD_FILE)',
    optionalText,
  ),
  redisPasswordFile: setting(
    'SB_REDIS_PASSWORD_FILE',
    undefined,
    'file holding the Redis password (of SB_REDIS_USER, or the default user)',
    optionalText,
  ),
  redisCaFile: setting(
    'SB_REDIS_CA_FILE',
    undefined,
    'PEM CA bundle that signed the Redis server certificate (use a rediss:// URL)',
    optionalText,
  ),
  redisCertFile: setting(
    'SB_REDIS_CERT_FILE',
    undefined,
    'PEM client certificate for Redis mutual TLS (with SB_REDIS_KEY_FILE)',
    optionalText,
  ),
  redisKeyFile: setting(
    'SB_REDIS_KEY_FILE',
    undefined,
    'PEM private key of SB_REDIS_CERT_FILE',
    optionalText,
  ),
  redisClusterNodes: setting(
    'SB_REDIS_CLUSTER_NODES',
    [],
    'Redis Cluster seed nodes, host:port comma-separated; set, it replaces SB_REDIS_URL (whose password, user and TLS still apply)',
    hostPorts,
  ),
  redisSentinels: setting(
    'SB_REDIS_SENTINELS',
    [],
    'Redis Sentinels, host:port comma-separated; set, the master is asked from them (SB_REDIS_URL still gives password, user, TLS and database)',
    hostPorts,
  ),
  redisSentinelMaster: setting(
    'SB_REDIS_SENTINEL_MASTER',
    'mymaster',
    'the master name the Sentinels monitor (SB_REDIS_SENTINELS)',
    text,
  ),
  redisWaitReplicas: setting(
    'SB_REDIS_WAIT_REPLICAS',
    0,
    'history appends wait (Redis WAIT) for this many replicas to have the write before the publish is acknowledged; 0 = asynchronous replication',
    wholeNumber(0, 16),
  ),
  redisWaitTimeoutMs: setting(
    'SB_REDIS_WAIT_TIMEOUT_MS',
    500,
    'how long an append waits for SB_REDIS_WAIT_REPLICAS; fewer replicas by then fail the publish (retry with the same idempotency key)',
    wholeNumber(1, 60_000),
  ),
  lifecycleEvents: setting(
    'SB_LIFECYCLE_EVENTS',
    ['connect', 'disconnect', 'join', 'leave'],
    'lifecycle events published on sb.events.* for backends, comma-separated from connect, disconnect, join, leave, publish; true = all five, false or none = none. publish (one more bus message per published message) is off unless listed',
    kindsOf<LifecycleKind>(LIFECYCLE_KINDS),
  ),
  requestTimeoutMs: setting(
    'SB_REQUEST_TIMEOUT_MS',
    5_000,
    'timeout of a request between services',
    wholeNumber(50, 60_000),
  ),

  wsHost: setting('SB_WS_HOST', '0.0.0.0', 'WebSocket listen address', text),
  wsPort: setting('SB_WS_PORT', 8080, 'WebSocket port (plain HTTP requests on it get 426)', port),
  httpHost: setting('SB_HTTP_HOST', '0.0.0.0', 'health and metrics listen address', text),
  httpPort: setting('SB_HTTP_PORT', 9090, '/healthz, /readyz and /metrics port', port),
  maxConnections: setting(
    'SB_MAX_CONNECTIONS',
    10_000,
    'open WebSocket connections per edge; more get HTTP 503',
    wholeNumber(1, 1_000_000),
  ),
  maxConnectionsPerIp: setting(
    'SB_MAX_CONNECTIONS_PER_IP',
    0,
    'open WebSocket connections per client IP and edge; more get HTTP 429 (0 = no limit)',
    wholeNumber(0, 1_000_000),
  ),
  maxUnauthenticatedPerIp: setting(
    'SB_MAX_UNAUTHENTICATED_PER_IP',
    100,
    'connections per client IP and edge that have not sent a valid connect yet; more get HTTP 429 (0 = no limit)',
    wholeNumber(0, 1_000_000),
  ),
  upgradeRatePerIp: setting(
    'SB_UPGRADE_RATE_PER_IP',
    0,
    'WebSocket upgrades per second per client IP and edge; more get HTTP 429 with Retry-After (0 = no limit)',
    wholeNumber(0, 100_000),
  ),
  upgradeBurstPerIp: setting(
    'SB_UPGRADE_BURST_PER_IP',
    20,
    'upgrades a client IP may make at once above SB_UPGRADE_RATE_PER_IP',
    wholeNumber(1, 100_000),
  ),
  trustedProxies: setting(
    'SB_TRUSTED_PROXIES',
    [],
    'IPs or CIDRs of proxies whose X-Forwarded-For gives the client IP, comma-separated (others are ignored)',
    list,
  ),
  allowedOrigins: setting(
    'SB_ALLOWED_ORIGINS',
    ['*'],
    'Origin allowlist for browsers, comma-separated; * allows any (requests without Origin are always allowed)',
    list,
  ),
  authTimeoutMs: setting(
    'SB_AUTH_TIMEOUT_MS',
    5_000,
    'time a new connection has to send connect',
    wholeNumber(100, 120_000),
  ),
  pingIntervalMs: setting(
    'SB_PING_INTERVAL_MS',
    10_000,
    'heartbeat interval (WebSocket ping + {"t":"ping"} push); with SB_PONG_TIMEOUT_MS it bounds how fast a dead path is found — see docs/protocol.md, Heartbeats',
    wholeNumber(100, 600_000),
  ),
  pongTimeoutMs: setting(
    'SB_PONG_TIMEOUT_MS',
    5_000,
    'a connection silent this long after a ping is closed (4003); a dead path is found within SB_PING_INTERVAL_MS + this. At or above the interval: silence for a whole interval instead',
    wholeNumber(100, 600_000),
  ),
  maxFrameBytes: setting(
    'SB_MAX_FRAME_BYTES',
    65_536,
    'largest inbound frame answered normally; up to 4x gets error 1005, beyond that the socket closes with 1009',
    wholeNumber(1_024, 16_777_216),
  ),
  maxRoomsPerConnection: setting(
    'SB_MAX_ROOMS_PER_CONNECTION',
    128,
    'rooms one connection may join',
    wholeNumber(1, 10_000),
  ),
  connectionRate: setting(
    'SB_CONNECTION_RATE',
    50,
    'frames per second one connection may send (sustained)',
    wholeNumber(1, 100_000),
  ),
  connectionBurst: setting(
    'SB_CONNECTION_BURST',
    100,
    'frames one connection may send in a burst',
    wholeNumber(1, 100_000),
  ),
  outboundMaxBytes: setting(
    'SB_OUTBOUND_MAX_BYTES',
    1_048_576,
    'bytes queued to one connection before it is closed as a slow consumer (4002)',
    wholeNumber(1_024, 1_073_741_824),
  ),
  tokenExpiryGraceMs: setting(
    'SB_TOKEN_EXPIRY_GRACE_MS',
    25_000,
    'after a token expires, time to send refresh before close 4001',
    wholeNumber(0, 600_000),
  ),
  drainMs: setting(
    'SB_DRAIN_MS',
    5_000,
    'on SIGTERM, window over which clients are told to reconnect elsewhere',
    wholeNumber(0, 600_000),
  ),

  jwtSecrets: setting(
    'SB_JWT_SECRETS',
    [],
    'HS256 secrets, comma-separated (several for rotation; 32+ bytes each in production)',
    list,
    { secret: true },
  ),
  jwtPublicKeyFiles: setting(
    'SB_JWT_PUBLIC_KEY_FILES',
    [],
    'PEM files of RS256/ES256 public keys, comma-separated',
    list,
  ),
  jwtJwksUrls: setting(
    'SB_JWT_JWKS_URL',
    [],
    'JWKS URLs of identity providers (https, comma-separated): keys by kid, cached per Cache-Control',
    httpsUrlList,
  ),
  jwtJwksCaFile: setting(
    'SB_JWT_JWKS_CA_FILE',
    undefined,
    'PEM file of extra CA certificates trusted for the JWKS URLs',
    optionalText,
  ),
  jwtJwksCooldownS: setting(
    'SB_JWT_JWKS_COOLDOWN_S',
    30,
    'a token with an unknown kid re-fetches each JWKS URL at most this often, seconds',
    wholeNumber(1, 3_600),
  ),
  jwtIssuer: setting('SB_JWT_ISSUER', undefined, 'required iss claim, when set', optionalText),
  jwtAudience: setting('SB_JWT_AUDIENCE', undefined, 'required aud claim, when set', optionalText),
  jwtClockToleranceS: setting(
    'SB_JWT_CLOCK_TOLERANCE_S',
    5,
    'clock skew allowed on exp and nbf, seconds',
    wholeNumber(0, 300),
  ),
  jwtRequireExp: setting(
    'SB_JWT_REQUIRE_EXP',
    undefined,
    'refuse tokens without exp (empty: true when SB_ENV=production, false in development)',
    optionalBoolean,
  ),
  revocationTtlS: setting(
    'SB_REVOCATION_TTL_S',
    86_400,
    'how long RevokeUser (and RevokeToken without until) is remembered; longer than tokens live',
    wholeNumber(60, 31_536_000),
  ),

  historySize: setting(
    'SB_HISTORY_SIZE',
    100,
    'messages kept per room for recovery and history (0 = none)',
    wholeNumber(0, 100_000),
  ),
  historyTtlMs: setting(
    'SB_HISTORY_TTL_MS',
    300_000,
    'how long a message stays recoverable',
    wholeNumber(1_000, 2_592_000_000),
  ),
  historyMetaTtlMs: setting(
    'SB_HISTORY_META_TTL_MS',
    86_400_000,
    'how long a room keeps its offset and epoch without messages',
    wholeNumber(1_000, 31_536_000_000),
  ),
  historyMaxRooms: setting(
    'SB_HISTORY_MAX_ROOMS',
    100_000,
    'rooms the memory store keeps (least recently used dropped first)',
    wholeNumber(1, 10_000_000),
  ),
  idempotencyTtlMs: setting(
    'SB_IDEMPOTENCY_TTL_MS',
    300_000,
    'how long a publish idempotency key is remembered',
    wholeNumber(1_000, 86_400_000),
  ),
  userPublishRate: setting(
    'SB_USER_PUBLISH_RATE',
    100,
    'publishes per second per user across all connections (0 = unlimited)',
    wholeNumber(0, 1_000_000),
  ),
  userPublishBurst: setting(
    'SB_USER_PUBLISH_BURST',
    200,
    'publish burst per user',
    wholeNumber(1, 1_000_000),
  ),

  presenceRooms: setting(
    'SB_PRESENCE_ROOMS',
    ['*'],
    'room patterns that track presence, comma-separated',
    list,
  ),
  presenceDiffRooms: setting(
    'SB_PRESENCE_DIFF_ROOMS',
    ['*'],
    'room patterns whose members get join/leave pushes',
    list,
  ),
  presenceDiffMaxMembers: setting(
    'SB_PRESENCE_DIFF_MAX_MEMBERS',
    1_000,
    'rooms with more members get no join/leave pushes (fan-out is n²)',
    wholeNumber(0, 1_000_000),
  ),
  presenceTtlMs: setting(
    'SB_PRESENCE_TTL_MS',
    60_000,
    'a presence entry not refreshed for this long is dropped (edges refresh every TTL/3)',
    wholeNumber(1_000, 3_600_000),
  ),

  grpcHost: setting(
    'SB_GRPC_HOST',
    '0.0.0.0',
    'gRPC server API listen address (api service, pnpm start)',
    text,
  ),
  grpcPort: setting('SB_GRPC_PORT', 50_051, 'gRPC server API port (docs/api.md)', port),
  apiKeys: setting(
    'SB_API_KEYS',
    [],
    'server API keys, comma-separated (several for rotation; 32+ bytes each in production); development uses the dev key when unset',
    list,
    { secret: true },
  ),
  apiInsecure: setting(
    'SB_API_INSECURE',
    false,
    'serve the server API without API keys (local development only; refused in production)',
    boolean,
  ),
  grpcTlsCertFile: setting(
    'SB_GRPC_TLS_CERT_FILE',
    undefined,
    'PEM certificate chain for the gRPC API (TLS when set, with SB_GRPC_TLS_KEY_FILE)',
    optionalText,
  ),
  grpcTlsKeyFile: setting(
    'SB_GRPC_TLS_KEY_FILE',
    undefined,
    'PEM private key for SB_GRPC_TLS_CERT_FILE',
    optionalText,
  ),
  consolePort: setting(
    'SB_CONSOLE_PORT',
    undefined,
    'ops console (web UI on the api service, behind the API key; docs/operations.md) port; unset: off',
    optionalPort,
  ),
  grpcTlsCaFile: setting(
    'SB_GRPC_TLS_CA_FILE',
    undefined,
    'PEM CA bundle: when set, API clients must present a certificate it signed (mTLS)',
    optionalText,
  ),
} as const;

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;
/** The value type of one setting. */
export type SettingValue<K extends SettingKey> = Settings[K]['default'];

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

import type { LogLevel } from '@switchboard/telemetry';
import { ConfigError } from './errors.js';

/**
 * All configuration is read here, from environment variables, once, at start-up. Every
 * setting has a default and a description (README's table is generated from them). Unknown
 * `SB_*` variables and bad values stop start-up with one message listing every problem.
 */

interface Setting<T> {
  env: string;
  doc: string;
  /** Shown in docs; `undefined` means "not set". */
  default: T;
  parse: (raw: string) => T;
  /** The value is a secret: never printed. */
  secret?: boolean;
}

function setting<T>(
  env: string,
  defaultValue: T,
  doc: string,
  parse: (raw: string) => T,
  secret = false,
): Setting<T> {
  return { env, default: defaultValue, doc, parse, secret };
}

function int(min: number, max: number) {
  return (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be a whole number from ${min} to ${max}`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be from ${min} to ${max}`);
    return n;
  };
}
function oneOf<T extends string>(...values: T[]) {
  return (raw: string): T => {
    if (!(values as string[]).includes(raw)) throw new Error(`must be one of: ${values.join(', ')}`);
    return raw as T;
  };
}
function bool(raw: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error('must be true or false');
}
function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
function optionalString(raw: string): string | undefined {
  return raw.trim() === '' ? undefined : raw.trim();
}
function url(protocols: string[]) {
  return (raw: string): string => {
    for (const part of list(raw)) {
      let parsed: URL;
      try {
        parsed = new URL(part);
      } catch {
        throw new Error(`"${part}" is not a URL (example: ${protocols[0]}//127.0.0.1)`);
      }
      if (!protocols.includes(parsed.protocol)) throw new Error(`must use ${protocols.join(' or ')}`);
    }
    return raw;
  };
}
const port = int(0, 65_535);

export const SETTINGS = {
  env: setting(
    'SB_ENV',
    'development' as 'development' | 'production',
    'development allows the built-in dev JWT secret; production refuses it',
    oneOf('development', 'production'),
  ),
  logLevel: setting(
    'SB_LOG_LEVEL',
    'info' as LogLevel,
    'pino log level',
    oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  ),
  nodeId: setting(
    'SB_NODE_ID',
    undefined as string | undefined,
    'name of this process in logs, metrics and presence (default: hostname-pid)',
    optionalString,
  ),

  bus: setting(
    'SB_BUS',
    'memory' as 'memory' | 'nats',
    'memory (single process) or nats',
    oneOf('memory', 'nats'),
  ),
  natsUrl: setting(
    'SB_NATS_URL',
    'nats://127.0.0.1:4222',
    'NATS server URLs, comma-separated (SB_BUS=nats)',
    url(['nats:', 'tls:']),
  ),
  store: setting(
    'SB_STORE',
    'memory' as 'memory' | 'redis',
    'memory (single process) or redis',
    oneOf('memory', 'redis'),
  ),
  redisUrl: setting(
    'SB_REDIS_URL',
    'redis://127.0.0.1:6379',
    'Redis URL (SB_STORE=redis)',
    url(['redis:', 'rediss:']),
  ),
  lifecycleEvents: setting(
    'SB_LIFECYCLE_EVENTS',
    true,
    'publish connect, disconnect, join, leave and publish events on sb.events.* for backends',
    bool,
  ),
  requestTimeoutMs: setting(
    'SB_REQUEST_TIMEOUT_MS',
    5_000,
    'timeout of a request between services',
    int(50, 60_000),
  ),

  wsHost: setting('SB_WS_HOST', '0.0.0.0', 'WebSocket listen address', String),
  wsPort: setting('SB_WS_PORT', 8080, 'WebSocket port (plain HTTP requests on it get 426)', port),
  httpHost: setting('SB_HTTP_HOST', '0.0.0.0', 'health and metrics listen address', String),
  httpPort: setting('SB_HTTP_PORT', 9090, '/healthz, /readyz and /metrics port', port),
  maxConnections: setting(
    'SB_MAX_CONNECTIONS',
    10_000,
    'open WebSocket connections per edge; more get HTTP 503',
    int(1, 1_000_000),
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
    int(100, 120_000),
  ),
  pingIntervalMs: setting(
    'SB_PING_INTERVAL_MS',
    25_000,
    'heartbeat interval; a connection silent for two intervals is closed',
    int(100, 600_000),
  ),
  maxFrameBytes: setting(
    'SB_MAX_FRAME_BYTES',
    65_536,
    'largest inbound frame answered normally; up to 4x gets error 1005, beyond that the socket closes with 1009',
    int(1_024, 16_777_216),
  ),
  maxRoomsPerConnection: setting(
    'SB_MAX_ROOMS_PER_CONNECTION',
    128,
    'rooms one connection may join',
    int(1, 10_000),
  ),
  connectionRate: setting(
    'SB_CONNECTION_RATE',
    50,
    'frames per second one connection may send (sustained)',
    int(1, 100_000),
  ),
  connectionBurst: setting(
    'SB_CONNECTION_BURST',
    100,
    'frames one connection may send in a burst',
    int(1, 100_000),
  ),
  outboundMaxBytes: setting(
    'SB_OUTBOUND_MAX_BYTES',
    1_048_576,
    'bytes queued to one connection before it is closed as a slow consumer (4002)',
    int(1_024, 1_073_741_824),
  ),
  tokenExpiryGraceMs: setting(
    'SB_TOKEN_EXPIRY_GRACE_MS',
    25_000,
    'after a token expires, time to send refresh before close 4001',
    int(0, 600_000),
  ),
  drainMs: setting(
    'SB_DRAIN_MS',
    5_000,
    'on SIGTERM, window over which clients are told to reconnect elsewhere',
    int(0, 600_000),
  ),

  jwtSecrets: setting(
    'SB_JWT_SECRETS',
    [] as string[],
    'HS256 secrets, comma-separated (several for rotation; 32+ bytes each in production)',
    list,
    true,
  ),
  jwtPublicKeyFiles: setting(
    'SB_JWT_PUBLIC_KEY_FILES',
    [] as string[],
    'PEM files of RS256/ES256 public keys, comma-separated',
    list,
  ),
  jwtIssuer: setting(
    'SB_JWT_ISSUER',
    undefined as string | undefined,
    'required iss claim, when set',
    optionalString,
  ),
  jwtAudience: setting(
    'SB_JWT_AUDIENCE',
    undefined as string | undefined,
    'required aud claim, when set',
    optionalString,
  ),
  jwtClockToleranceS: setting(
    'SB_JWT_CLOCK_TOLERANCE_S',
    5,
    'clock skew allowed on exp and nbf, seconds',
    int(0, 300),
  ),

  historySize: setting(
    'SB_HISTORY_SIZE',
    100,
    'messages kept per room for recovery and history (0 = none)',
    int(0, 100_000),
  ),
  historyTtlMs: setting(
    'SB_HISTORY_TTL_MS',
    300_000,
    'how long a message stays recoverable',
    int(1_000, 2_592_000_000),
  ),
  historyMetaTtlMs: setting(
    'SB_HISTORY_META_TTL_MS',
    86_400_000,
    'how long a room keeps its offset and epoch without messages',
    int(1_000, 31_536_000_000),
  ),
  historyMaxRooms: setting(
    'SB_HISTORY_MAX_ROOMS',
    100_000,
    'rooms the memory store keeps (least recently used dropped first)',
    int(1, 10_000_000),
  ),
  idempotencyTtlMs: setting(
    'SB_IDEMPOTENCY_TTL_MS',
    300_000,
    'how long a publish idempotency key is remembered',
    int(1_000, 86_400_000),
  ),
  userPublishRate: setting(
    'SB_USER_PUBLISH_RATE',
    100,
    'publishes per second per user across all connections (0 = unlimited)',
    int(0, 1_000_000),
  ),
  userPublishBurst: setting('SB_USER_PUBLISH_BURST', 200, 'publish burst per user', int(1, 1_000_000)),

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
    int(0, 1_000_000),
  ),
  presenceTtlMs: setting(
    'SB_PRESENCE_TTL_MS',
    60_000,
    'a presence entry not refreshed for this long is dropped (edges refresh every TTL/3)',
    int(1_000, 3_600_000),
  ),

  grpcHost: setting(
    'SB_GRPC_HOST',
    '0.0.0.0',
    'gRPC server API listen address (api service, pnpm start)',
    String,
  ),
  grpcPort: setting('SB_GRPC_PORT', 50_051, 'gRPC server API port (docs/api.md)', port),
  apiKeys: setting(
    'SB_API_KEYS',
    [] as string[],
    'server API keys, comma-separated (several for rotation; 32+ bytes each in production); development uses the dev key when unset',
    list,
    true,
  ),
  apiInsecure: setting(
    'SB_API_INSECURE',
    false,
    'serve the server API without API keys (local development only; refused in production)',
    bool,
  ),
  grpcTlsCertFile: setting(
    'SB_GRPC_TLS_CERT_FILE',
    undefined as string | undefined,
    'PEM certificate chain for the gRPC API (TLS when set, with SB_GRPC_TLS_KEY_FILE)',
    optionalString,
  ),
  grpcTlsKeyFile: setting(
    'SB_GRPC_TLS_KEY_FILE',
    undefined as string | undefined,
    'PEM private key for SB_GRPC_TLS_CERT_FILE',
    optionalString,
  ),
  grpcTlsCaFile: setting(
    'SB_GRPC_TLS_CA_FILE',
    undefined as string | undefined,
    'PEM CA bundle: when set, API clients must present a certificate it signed (mTLS)',
    optionalString,
  ),
} as const;

type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: Settings[K]['default'] };

/** The development HS256 secret `pnpm start` uses when none is configured. Refused in production. */
export const DEV_JWT_SECRET = 'switchboard-dev-secret-do-not-use-in-production';

/**
 * The server API key `pnpm start` accepts when SB_API_KEYS is unset (development only; the
 * start-up log says so). Refused in production.
 */
export const DEV_API_KEY = 'switchboard-dev-api-key';

/**
 * Which process reads the configuration: checks that concern one service apply only there
 * (only token verifiers need JWT keys, so an internet-facing edge never holds the secret).
 */
export type ConfigRole = 'standalone' | 'edge' | 'auth' | 'router' | 'presence' | 'api';

/** Reads and validates configuration. Throws `ConfigError` listing every problem. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  role: ConfigRole = 'standalone',
): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  const known = new Set<string>();
  for (const [key, spec] of Object.entries(SETTINGS) as Array<[string, Setting<unknown>]>) {
    known.add(spec.env);
    const raw = env[spec.env];
    if (raw === undefined || raw === '') {
      out[key] = spec.default;
      continue;
    }
    try {
      out[key] = spec.parse(raw);
    } catch (error) {
      const shown = spec.secret ? '(secret)' : JSON.stringify(raw);
      problems.push(`${spec.env}=${shown} ${(error as Error).message} — ${spec.doc}`);
    }
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('SB_') && !known.has(name)) {
      const hint = closest(name, [...known]);
      problems.push(`${name} is not a Switchboard setting${hint ? ` — did you mean ${hint}?` : ''}`);
    }
  }
  const config = out as Config;
  if (problems.length === 0) problems.push(...crossChecks(config, role));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function crossChecks(config: Config, role: ConfigRole): string[] {
  const problems: string[] = [];
  const verifiesTokens = role === 'standalone' || role === 'auth';
  if (config.env === 'production') {
    if (verifiesTokens && config.jwtSecrets.length === 0 && config.jwtPublicKeyFiles.length === 0) {
      problems.push(
        'SB_ENV=production needs SB_JWT_SECRETS or SB_JWT_PUBLIC_KEY_FILES (the dev secret is refused)',
      );
    }
    for (const secret of config.jwtSecrets) {
      if (Buffer.byteLength(secret) < 32)
        problems.push('SB_JWT_SECRETS: every secret needs 32 bytes or more in production');
      if (secret === DEV_JWT_SECRET)
        problems.push('SB_JWT_SECRETS: the development secret is refused in production');
    }
  }
  if (config.env === 'production') {
    if (config.apiInsecure) problems.push('SB_API_INSECURE=true is refused in production: set SB_API_KEYS');
    for (const key of config.apiKeys) {
      if (Buffer.byteLength(key) < 32)
        problems.push('SB_API_KEYS: every key needs 32 bytes or more in production');
      if (key === DEV_API_KEY) problems.push('SB_API_KEYS: the development API key is refused in production');
    }
  }
  if ((config.grpcTlsCertFile === undefined) !== (config.grpcTlsKeyFile === undefined)) {
    problems.push('SB_GRPC_TLS_CERT_FILE and SB_GRPC_TLS_KEY_FILE go together: set both or neither');
  }
  if (config.grpcTlsCaFile !== undefined && config.grpcTlsCertFile === undefined) {
    problems.push(
      'SB_GRPC_TLS_CA_FILE (client certificates) needs SB_GRPC_TLS_CERT_FILE and SB_GRPC_TLS_KEY_FILE',
    );
  }
  if (config.connectionBurst < config.connectionRate / 10) {
    problems.push('SB_CONNECTION_BURST is too small for SB_CONNECTION_RATE: use at least rate/10');
  }
  if (config.wsPort !== 0 && config.wsPort === config.httpPort && config.wsHost === config.httpHost) {
    problems.push('SB_WS_PORT and SB_HTTP_PORT must differ: WebSockets and health/metrics are served apart');
  }
  return problems;
}

/** The JWT secrets in force: the configured ones, or the dev secret in development. */
export function effectiveJwtSecrets(config: Config): string[] {
  if (config.jwtSecrets.length > 0 || config.jwtPublicKeyFiles.length > 0) return config.jwtSecrets;
  return config.env === 'development' ? [DEV_JWT_SECRET] : [];
}

/**
 * The server API keys in force: the configured ones, or the dev key in development. Empty
 * means the API must not start (production without keys), unless SB_API_INSECURE is set.
 */
export function effectiveApiKeys(config: Config): string[] {
  if (config.apiKeys.length > 0) return config.apiKeys;
  return config.env === 'development' ? [DEV_API_KEY] : [];
}

/** Rows for the README configuration table. */
export function describeSettings(): Array<{ env: string; default: string; doc: string }> {
  return (Object.values(SETTINGS) as Array<Setting<unknown>>).map((spec) => ({
    env: spec.env,
    default:
      spec.default === undefined
        ? ''
        : Array.isArray(spec.default)
          ? spec.default.join(',')
          : String(spec.default),
    doc: spec.doc,
  }));
}

function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

/** For entry points: loads config or prints every problem and exits with EX_CONFIG (78). */
export function loadConfigOrExit(
  env: Readonly<Record<string, string | undefined>> = process.env,
  role: ConfigRole = 'standalone',
): Config {
  try {
    return loadConfig(env, role);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Switchboard cannot start: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** The configuration table in Markdown, as README.md shows it. */
export function configTable(): string {
  const rows = describeSettings().map(
    (row) =>
      `| \`${row.env}\` | ${row.default === '' ? '—' : `\`${row.default}\``} | ${row.doc.replaceAll('|', '\\|')} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

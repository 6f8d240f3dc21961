import { isIP } from 'node:net';
import { DEV_API_KEY } from '@switchboard/api/dev-key';
import { DEV_JWT_SECRET } from '@switchboard/auth';
import type { ConfigRole, StandaloneConfig } from './roles.js';

/**
 * Checks across settings, run once every value is valid. They look at every setting, not
 * only the role's own: one environment is often shared by every process of a deployment, and
 * a refused value (the dev secret in production) is refused wherever it appears. Only the
 * need for JWT keys depends on the role: only token verifiers need them, so an
 * internet-facing edge never holds the secret.
 */
export function checkRules(config: StandaloneConfig, role: ConfigRole): string[] {
  const problems: string[] = [];
  const verifiesTokens = role === 'standalone' || role === 'auth';
  if (config.env === 'production') {
    if (
      verifiesTokens &&
      config.jwtSecrets.length === 0 &&
      config.jwtPublicKeyFiles.length === 0 &&
      config.jwtJwksUrls.length === 0
    ) {
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
  if (config.env === 'production' && !config.busInsecure) problems.push(...insecureLinks(config));
  if (config.env === 'production') {
    if (config.apiInsecure) problems.push('SB_API_INSECURE=true is refused in production: set SB_API_KEYS');
    for (const key of config.apiKeys) {
      if (Buffer.byteLength(key) < 32)
        problems.push('SB_API_KEYS: every key needs 32 bytes or more in production');
      if (key === DEV_API_KEY) problems.push('SB_API_KEYS: the development API key is refused in production');
    }
  }
  for (const [cert, key, names] of [
    [config.natsCertFile, config.natsKeyFile, 'SB_NATS_CERT_FILE and SB_NATS_KEY_FILE'],
    [config.redisCertFile, config.redisKeyFile, 'SB_REDIS_CERT_FILE and SB_REDIS_KEY_FILE'],
  ] as const) {
    if ((cert === undefined) !== (key === undefined))
      problems.push(`${names} go together: set both or neither`);
  }
  const natsIdentities = [config.natsUser, config.natsNkeySeedFile, config.natsCredsFile].filter(
    (x) => x !== undefined,
  );
  if (natsIdentities.length > 1) {
    problems.push('set only one of SB_NATS_USER, SB_NATS_NKEY_SEED_FILE and SB_NATS_CREDS_FILE');
  }
  if (config.natsUser === undefined && config.natsPasswordFile !== undefined) {
    problems.push('SB_NATS_PASSWORD_FILE needs SB_NATS_USER');
  }
  if ((config.grpcTlsCertFile === undefined) !== (config.grpcTlsKeyFile === undefined)) {
    problems.push('SB_GRPC_TLS_CERT_FILE and SB_GRPC_TLS_KEY_FILE go together: set both or neither');
  }
  if (config.grpcTlsCaFile !== undefined && config.grpcTlsCertFile === undefined) {
    problems.push(
      'SB_GRPC_TLS_CA_FILE (client certificates) needs SB_GRPC_TLS_CERT_FILE and SB_GRPC_TLS_KEY_FILE',
    );
  }
  for (const proxy of config.trustedProxies) {
    const [address = '', prefix] = proxy.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    if (family === 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= bits))) {
      problems.push(`SB_TRUSTED_PROXIES: "${proxy}" is not an IP address or CIDR`);
    }
  }
  if (config.redisClusterNodes.length > 0 && config.redisSentinels.length > 0) {
    problems.push('SB_REDIS_CLUSTER_NODES and SB_REDIS_SENTINELS exclude each other: set one');
  }
  if (config.connectionBurst < config.connectionRate / 10) {
    problems.push('SB_CONNECTION_BURST is too small for SB_CONNECTION_RATE: use at least rate/10');
  }
  if (config.wsPort !== 0 && config.wsPort === config.httpPort && config.wsHost === config.httpHost) {
    problems.push('SB_WS_PORT and SB_HTTP_PORT must differ: WebSockets and health/metrics are served apart');
  }
  return problems;
}

/**
 * On a shared network anyone who reaches nats-server or Redis without credentials owns the
 * cluster (docs/security.md): production needs both links authenticated and encrypted.
 */
function insecureLinks(config: StandaloneConfig): string[] {
  const problems: string[] = [];
  const hatch = ' (or SB_BUS_INSECURE=true, for a development cluster on a private network only)';
  if (config.bus === 'nats') {
    const urls = config.natsUrl
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    const inUrl = urls.some((u) => /^[a-z]+:\/\/[^/@]+@/i.test(u));
    const authenticated =
      config.natsUser !== undefined ||
      config.natsNkeySeedFile !== undefined ||
      config.natsCredsFile !== undefined ||
      inUrl;
    if (!authenticated) {
      problems.push(
        `SB_ENV=production refuses an unauthenticated NATS connection: set SB_NATS_USER + SB_NATS_PASSWORD_FILE, SB_NATS_NKEY_SEED_FILE or SB_NATS_CREDS_FILE${hatch}`,
      );
    }
    const encrypted =
      config.natsCaFile !== undefined ||
      config.natsCertFile !== undefined ||
      urls.every((u) => u.startsWith('tls://'));
    if (!encrypted) {
      problems.push(
        `SB_ENV=production refuses plaintext NATS: set SB_NATS_CA_FILE (private CA) or use tls:// URLs${hatch}`,
      );
    }
  }
  if (config.store === 'redis') {
    const parsed = new URL(config.redisUrl);
    if (config.redisPasswordFile === undefined && parsed.password === '') {
      problems.push(
        `SB_ENV=production refuses Redis without a password: set SB_REDIS_USER + SB_REDIS_PASSWORD_FILE${hatch}`,
      );
    }
    if (parsed.protocol !== 'rediss:') {
      problems.push(
        `SB_ENV=production refuses plaintext Redis: use a rediss:// SB_REDIS_URL (with SB_REDIS_CA_FILE for a private CA)${hatch}`,
      );
    }
  }
  return problems;
}

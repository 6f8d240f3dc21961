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

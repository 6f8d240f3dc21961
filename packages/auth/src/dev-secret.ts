/** The development HS256 secret `pnpm start` uses when none is configured. Refused in production. */
export const DEV_JWT_SECRET = 'switchboard-dev-secret-do-not-use-in-production';

/** What decides which JWT secrets are in force (the auth role's configuration has these). */
export interface JwtKeySettings {
  env: 'development' | 'production';
  jwtSecrets: string[];
  jwtPublicKeyFiles: string[];
  jwtJwksUrls?: string[];
}

/** The JWT secrets in force: the configured ones, or the dev secret in development. */
export function effectiveJwtSecrets(config: JwtKeySettings): string[] {
  if (
    config.jwtSecrets.length > 0 ||
    config.jwtPublicKeyFiles.length > 0 ||
    (config.jwtJwksUrls?.length ?? 0) > 0
  ) {
    return config.jwtSecrets;
  }
  return config.env === 'development' ? [DEV_JWT_SECRET] : [];
}

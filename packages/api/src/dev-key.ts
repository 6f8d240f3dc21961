/**
 * The server API key `pnpm start` accepts when SB_API_KEYS is unset (development only; the
 * start-up log says so). Refused in production.
 */
export const DEV_API_KEY = 'switchboard-dev-api-key';

/** What decides which API keys are in force (the api role's configuration has these). */
export interface ApiKeySettings {
  env: 'development' | 'production';
  apiKeys: string[];
}

/**
 * The server API keys in force: the configured ones, or the dev key in development. Empty
 * means the API must not start (production without keys), unless SB_API_INSECURE is set.
 */
export function effectiveApiKeys(config: ApiKeySettings): string[] {
  if (config.apiKeys.length > 0) return config.apiKeys;
  return config.env === 'development' ? [DEV_API_KEY] : [];
}

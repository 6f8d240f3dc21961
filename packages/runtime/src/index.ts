/** `@switchboard/runtime`: configuration only (read from the environment once, at start-up). */
export type { Config, ConfigRole } from './config.js';
export {
  configTable,
  DEV_API_KEY,
  DEV_JWT_SECRET,
  describeSettings,
  effectiveApiKeys,
  effectiveJwtSecrets,
  loadConfig,
  loadConfigOrExit,
  SETTINGS,
} from './config.js';
export { ConfigError } from './errors.js';

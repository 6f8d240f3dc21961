export type { SettingRow } from './docs.js';
export { configTable, describeSettings } from './docs.js';
export type { Environment } from './loader.js';
export { loadConfig, loadConfigOrExit } from './loader.js';
export type { Piece } from './pieces.js';
export { PIECES } from './pieces.js';
export type {
  ApiConfig,
  AuthConfig,
  ConfigRole,
  EdgeConfig,
  PresenceConfig,
  RoleConfig,
  RouterConfig,
  StandaloneConfig,
} from './roles.js';
export { CONFIG_ROLES, ROLE_SCHEMAS } from './roles.js';
export { isServiceLink } from './service-links.js';
export type { Setting, SettingKey, Settings } from './settings.js';
export { SETTINGS } from './settings.js';

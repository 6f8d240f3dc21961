import * as v from 'valibot';
import {
  apiPiece,
  busPiece,
  edgePiece,
  eventsPiece,
  healthPiece,
  presencePiece,
  processPiece,
  publishingPiece,
  storesPiece,
  tokensPiece,
} from './pieces.js';
import type { SettingKey } from './settings.js';

/** What every process reads: mode and logs, the bus, the backends, health and shutdown. */
const shared = {
  ...processPiece.entries,
  ...busPiece.entries,
  ...storesPiece.entries,
  ...healthPiece.entries,
};

/**
 * One schema per process kind. Each takes the raw text of its settings (keyed by setting
 * name, unset ones `undefined`) and gives that role's configuration, and nothing else: the
 * edge never sees the router's limits or the JWT secrets.
 */
export const ROLE_SCHEMAS = {
  edge: v.object({ ...shared, ...eventsPiece.entries, ...edgePiece.entries }),
  auth: v.object({ ...shared, ...tokensPiece.entries }),
  router: v.object({ ...shared, ...eventsPiece.entries, ...publishingPiece.entries }),
  presence: v.object({ ...shared, ...presencePiece.entries }),
  api: v.object({ ...shared, ...apiPiece.entries }),
  /** All four services and the API in one process: every setting. */
  standalone: v.object({
    ...shared,
    ...eventsPiece.entries,
    ...edgePiece.entries,
    ...tokensPiece.entries,
    ...publishingPiece.entries,
    ...presencePiece.entries,
    ...apiPiece.entries,
  }),
};

/**
 * Which process reads the configuration: `standalone` (`pnpm start`) or one service of a
 * cluster (services/*).
 */
export type ConfigRole = keyof typeof ROLE_SCHEMAS;
export const CONFIG_ROLES = Object.keys(ROLE_SCHEMAS) as ConfigRole[];

export type RoleConfig<R extends ConfigRole> = v.InferOutput<(typeof ROLE_SCHEMAS)[R]>;
export type EdgeConfig = RoleConfig<'edge'>;
export type AuthConfig = RoleConfig<'auth'>;
export type RouterConfig = RoleConfig<'router'>;
export type PresenceConfig = RoleConfig<'presence'>;
export type ApiConfig = RoleConfig<'api'>;
/** Every setting: what the all-in-one process reads. */
export type StandaloneConfig = RoleConfig<'standalone'>;

/** The settings one role reads. */
export function roleKeys(role: ConfigRole): SettingKey[] {
  return Object.keys(ROLE_SCHEMAS[role].entries) as SettingKey[];
}

/** The roles that read the settings of `piece` (for the docs). */
export function rolesReading(piece: { readonly keys: readonly SettingKey[] }): ConfigRole[] {
  return CONFIG_ROLES.filter((role) => piece.keys.every((key) => key in ROLE_SCHEMAS[role].entries));
}

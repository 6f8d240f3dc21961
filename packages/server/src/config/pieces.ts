import * as v from 'valibot';
import { SETTINGS, type Setting, type SettingKey, type SettingValue } from './settings.js';
import type { ValueSchema } from './values.js';

/**
 * Settings that belong together, each a set of valibot object entries. The role schemas
 * (roles.ts) are built from these; every setting is in exactly one piece.
 */
export interface Piece<K extends SettingKey> {
  readonly name: string;
  readonly keys: readonly K[];
  readonly entries: Entries<K>;
}

/** One setting's raw text, or its default's text when the variable is unset. */
type Entry<K extends SettingKey> = v.OptionalSchema<ValueSchema<SettingValue<K>>, string>;
export type Entries<K extends SettingKey> = { readonly [P in K]: Entry<P> };

/** A default as the text of its variable would be (parsing it gives the default back). */
export function defaultText(setting: Setting<unknown>): string {
  if (setting.default === undefined) return '';
  return Array.isArray(setting.default) ? setting.default.join(',') : String(setting.default);
}

export function entriesOf<K extends SettingKey>(keys: readonly K[]): Entries<K> {
  const entries: Partial<Record<SettingKey, unknown>> = {};
  for (const key of keys) {
    const setting = SETTINGS[key] as Setting<unknown>;
    entries[key] = v.optional(setting.schema, defaultText(setting));
  }
  return entries as Entries<K>;
}

function piece<const K extends SettingKey>(name: string, keys: readonly K[]): Piece<K> {
  return { name, keys, entries: entriesOf(keys) };
}

/** Deployment mode, logging, the process's name. */
export const processPiece = piece('process', ['env', 'logLevel', 'logFormat', 'nodeId']);
/** The message bus between services. */
export const busPiece = piece('bus', [
  'bus',
  'natsUrl',
  'natsUser',
  'natsPasswordFile',
  'natsNkeySeedFile',
  'natsCredsFile',
  'natsCaFile',
  'natsCertFile',
  'natsKeyFile',
  'busInsecure',
  'requestTimeoutMs',
]);
/** Where state lives (memory or Redis) and how much of it is kept; every process opens the backends. */
export const storesPiece = piece('stores', [
  'store',
  'redisUrl',
  'redisUser',
  'redisPasswordFile',
  'redisCaFile',
  'redisCertFile',
  'redisKeyFile',
  'redisClusterNodes',
  'redisSentinels',
  'redisSentinelMaster',
  'redisWaitReplicas',
  'redisWaitTimeoutMs',
  'historySize',
  'historyTtlMs',
  'historyMetaTtlMs',
  'historyMaxRooms',
  'idempotencyTtlMs',
  'presenceTtlMs',
]);
/** /healthz, /readyz, /metrics, and the graceful part of shutdown. */
export const healthPiece = piece('health', ['httpHost', 'httpPort', 'drainMs']);
/** Lifecycle events for backends (published by edges and routers). */
export const eventsPiece = piece('events', ['lifecycleEvents']);
/** The WebSocket edge. */
export const edgePiece = piece('edge', [
  'wsHost',
  'wsPort',
  'maxConnections',
  'maxConnectionsPerIp',
  'maxUnauthenticatedPerIp',
  'upgradeRatePerIp',
  'upgradeBurstPerIp',
  'trustedProxies',
  'allowedOrigins',
  'authTimeoutMs',
  'pingIntervalMs',
  'pongTimeoutMs',
  'maxFrameBytes',
  'maxRoomsPerConnection',
  'connectionRate',
  'connectionBurst',
  'outboundMaxBytes',
  'tokenExpiryGraceMs',
]);
/** Token verification (the auth service). */
export const tokensPiece = piece('tokens', [
  'jwtSecrets',
  'jwtPublicKeyFiles',
  'jwtJwksUrls',
  'jwtJwksCaFile',
  'jwtJwksCooldownS',
  'jwtIssuer',
  'jwtAudience',
  'jwtClockToleranceS',
  'jwtRequireExp',
  'revocationTtlS',
]);
/** Publish limits (the router). */
export const publishingPiece = piece('publishing', ['userPublishRate', 'userPublishBurst']);
/** Presence tracking (the presence service). */
export const presencePiece = piece('presence', [
  'presenceRooms',
  'presenceDiffRooms',
  'presenceDiffMaxMembers',
]);
/** The gRPC server API. */
export const apiPiece = piece('api', [
  'grpcHost',
  'grpcPort',
  'apiKeys',
  'apiInsecure',
  'grpcTlsCertFile',
  'grpcTlsKeyFile',
  'grpcTlsCaFile',
  'consolePort',
]);

export const PIECES = [
  processPiece,
  busPiece,
  storesPiece,
  healthPiece,
  eventsPiece,
  edgePiece,
  tokensPiece,
  publishingPiece,
  presencePiece,
  apiPiece,
] as const;

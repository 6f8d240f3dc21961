import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defaultText, PIECES } from './pieces.js';
import {
  type ApiConfig,
  type AuthConfig,
  CONFIG_ROLES,
  type EdgeConfig,
  type PresenceConfig,
  ROLE_SCHEMAS,
  type RouterConfig,
  roleKeys,
  type StandaloneConfig,
} from './roles.js';
import { SETTING_KEYS, SETTINGS, type Setting } from './settings.js';

describe('role schemas', () => {
  it('give each role a configuration typed for that role only', () => {
    expectTypeOf<EdgeConfig>().toHaveProperty('maxConnections').toEqualTypeOf<number>();
    expectTypeOf<EdgeConfig>().toHaveProperty('bus').toEqualTypeOf<'memory' | 'nats'>();
    expectTypeOf<EdgeConfig>().not.toHaveProperty('userPublishRate');
    expectTypeOf<EdgeConfig>().not.toHaveProperty('jwtSecrets');
    expectTypeOf<EdgeConfig>().not.toHaveProperty('apiKeys');
    expectTypeOf<EdgeConfig>().not.toHaveProperty('presenceRooms');

    expectTypeOf<RouterConfig>().toHaveProperty('userPublishRate').toEqualTypeOf<number>();
    expectTypeOf<RouterConfig>().not.toHaveProperty('wsPort');
    expectTypeOf<RouterConfig>().not.toHaveProperty('jwtSecrets');

    expectTypeOf<AuthConfig>().toHaveProperty('jwtSecrets').toEqualTypeOf<string[]>();
    expectTypeOf<AuthConfig>().toHaveProperty('jwtIssuer').toEqualTypeOf<string | undefined>();
    expectTypeOf<AuthConfig>().not.toHaveProperty('maxConnections');
    expectTypeOf<AuthConfig>().not.toHaveProperty('apiKeys');

    expectTypeOf<PresenceConfig>().toHaveProperty('presenceRooms').toEqualTypeOf<string[]>();
    expectTypeOf<PresenceConfig>().not.toHaveProperty('userPublishRate');

    expectTypeOf<ApiConfig>().toHaveProperty('apiKeys').toEqualTypeOf<string[]>();
    expectTypeOf<ApiConfig>().toHaveProperty('grpcTlsCertFile').toEqualTypeOf<string | undefined>();
    expectTypeOf<ApiConfig>().not.toHaveProperty('jwtSecrets');
    expectTypeOf<ApiConfig>().not.toHaveProperty('wsPort');

    // The all-in-one process reads everything, each role's configuration is a part of it.
    expectTypeOf<StandaloneConfig>().toExtend<EdgeConfig>();
    expectTypeOf<StandaloneConfig>().toExtend<RouterConfig>();
    expectTypeOf<StandaloneConfig>().toExtend<AuthConfig>();
    expectTypeOf<StandaloneConfig>().toExtend<PresenceConfig>();
    expectTypeOf<StandaloneConfig>().toExtend<ApiConfig>();
    expectTypeOf<StandaloneConfig>()
      .toHaveProperty('logLevel')
      .toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>();
  });

  it('read only their own settings', () => {
    expect(roleKeys('edge')).toContain('maxConnections');
    expect(roleKeys('edge')).not.toContain('userPublishRate');
    expect(roleKeys('edge')).not.toContain('jwtSecrets');
    expect(roleKeys('router')).not.toContain('wsPort');
    expect(roleKeys('auth')).toContain('jwtSecrets');
    for (const role of CONFIG_ROLES) {
      for (const shared of ['env', 'logLevel', 'nodeId', 'bus', 'natsUrl', 'store', 'httpPort', 'drainMs']) {
        expect(roleKeys(role), role).toContain(shared);
      }
    }
  });

  it('the all-in-one process reads every setting', () => {
    expect([...roleKeys('standalone')].sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('every setting is in exactly one piece', () => {
    const inPieces = PIECES.flatMap((piece) => [...piece.keys]);
    expect(inPieces.length).toBe(new Set(inPieces).size);
    expect([...inPieces].sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('an unset setting takes its default', () => {
    const config = v.parse(ROLE_SCHEMAS.standalone, {});
    for (const key of SETTING_KEYS) expect(config[key], key).toEqual(SETTINGS[key].default);
  });

  it('each default, written as a variable, parses back to itself', () => {
    for (const key of SETTING_KEYS) {
      const setting = SETTINGS[key] as Setting<unknown>;
      expect(v.parse(setting.schema, defaultText(setting)), key).toEqual(setting.default);
    }
  });
});

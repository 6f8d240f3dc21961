import { DEV_JWT_SECRET, effectiveJwtSecrets } from '@switchboard/auth';
import { ConfigError } from '@switchboard/bus';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../test-support/config-problems.js';
import { loadConfig } from './loader.js';
import { SETTINGS } from './settings.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.wsPort).toBe(8080);
    expect(config.httpPort).toBe(9090);
    expect(config.bus).toBe('memory');
    expect(effectiveJwtSecrets(config)).toEqual([DEV_JWT_SECRET]);
  });

  it('parses values', () => {
    const config = loadConfig({
      SB_WS_PORT: '8081',
      SB_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.wsPort).toBe(8081);
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('lists every problem, naming the variable and what to fix', () => {
    let error: unknown;
    try {
      loadConfig({ SB_WS_PORT: 'eighty', SB_BUS: 'kafka', SB_WS_PROT: '1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('SB_BUS="kafka" must be one of: memory, nats');
    expect(problems[1]).toContain('SB_WS_PORT="eighty" must be a whole number from 0 to 65535');
    expect(problems[2]).toContain('SB_WS_PROT is not a Switchboard setting — did you mean SB_WS_PORT?');
  });

  it('never prints secrets', () => {
    expect(() => loadConfig({ SB_ENV: 'production', SB_JWT_SECRETS: 'short' })).toThrow(/32 bytes/);
    try {
      loadConfig({ SB_ENV: 'production', SB_JWT_SECRETS: 'short' });
    } catch (e) {
      expect((e as Error).message).not.toContain('short');
    }
  });

  it('refuses the dev secret and missing keys in production', () => {
    expect(() => loadConfig({ SB_ENV: 'production' })).toThrow(/needs SB_JWT_SECRETS/);
    expect(() => loadConfig({ SB_ENV: 'production', SB_JWT_SECRETS: DEV_JWT_SECRET })).toThrow(
      /development secret/,
    );
  });

  it('asks for JWT keys only where tokens are verified', () => {
    expect(() => loadConfig({ SB_ENV: 'production' }, 'auth')).toThrow(/needs SB_JWT_SECRETS/);
    for (const role of ['edge', 'router', 'presence'] as const) {
      expect(loadConfig({ SB_ENV: 'production', SB_API_KEYS: 'k'.repeat(32) }, role).env).toBe('production');
    }
  });

  it('refuses one port for WebSockets and health', () => {
    expect(() => loadConfig({ SB_WS_PORT: '9000', SB_HTTP_PORT: '9000' })).toThrow(/must differ/);
  });

  it('keeps each message of the value schemas', () => {
    expect(problemsOf(() => loadConfig({ SB_WS_PORT: '70000' }))).toEqual([
      'SB_WS_PORT="70000" must be from 0 to 65535 — WebSocket port (plain HTTP requests on it get 426)',
    ]);
    expect(problemsOf(() => loadConfig({ SB_API_INSECURE: 'yes' }))[0]).toMatch(
      /^SB_API_INSECURE="yes" must be true or false — /,
    );
    expect(problemsOf(() => loadConfig({ SB_NATS_URL: 'nats-1:4222' }))[0]).toMatch(
      /^SB_NATS_URL="nats-1:4222" must use nats: or tls: — /,
    );
    expect(problemsOf(() => loadConfig({ SB_REDIS_URL: 'not a url' }))[0]).toMatch(
      /^SB_REDIS_URL="not a url" "not a url" is not a URL \(example: redis:\/\/127\.0\.0\.1\) — /,
    );
    expect(problemsOf(() => loadConfig({ SB_API_KEYS: 'x', SB_JWT_CLOCK_TOLERANCE_S: '1.5' }))).toEqual([
      'SB_JWT_CLOCK_TOLERANCE_S="1.5" must be a whole number from 0 to 300 — clock skew allowed on exp and nbf, seconds',
    ]);
  });

  it('shows secrets as (secret) in value problems', () => {
    // Lists never fail to parse, so a secret's value shows only in cross checks, which never print it;
    // the formatting is checked through a secret with a bad companion.
    const problems = problemsOf(() =>
      loadConfig({ SB_ENV: 'production', SB_JWT_SECRETS: 'hunter2', SB_API_KEYS: 'hunter3' }),
    );
    expect(problems.join('\n')).not.toMatch(/hunter/);
  });

  it('parses booleans, lists and optional text as before', () => {
    const config = loadConfig({
      SB_LIFECYCLE_EVENTS: '0',
      SB_API_INSECURE: '1',
      SB_PRESENCE_ROOMS: ' chat:*, ,dm:* ',
      SB_JWT_ISSUER: '  https://issuer.example  ',
      SB_NODE_ID: '   ',
      SB_NATS_URL: 'nats://a:4222, tls://b:4222',
    });
    expect(config.lifecycleEvents).toEqual([]);
    expect(config.apiInsecure).toBe(true);
    expect(config.presenceRooms).toEqual(['chat:*', 'dm:*']);
    expect(config.jwtIssuer).toBe('https://issuer.example');
    expect(config.nodeId).toBeUndefined();
    expect(config.natsUrl).toBe('nats://a:4222, tls://b:4222');
  });

  it('reads lifecycle events as a list of kinds: true all, false or none none, connect to leave by default', () => {
    const kinds = (raw?: string) =>
      loadConfig(raw === undefined ? {} : { SB_LIFECYCLE_EVENTS: raw }).lifecycleEvents;
    expect(kinds()).toEqual(['connect', 'disconnect', 'join', 'leave']);
    expect(kinds('true')).toEqual(['connect', 'disconnect', 'join', 'leave', 'publish']);
    expect(kinds('1')).toEqual(['connect', 'disconnect', 'join', 'leave', 'publish']);
    expect(kinds('false')).toEqual([]);
    expect(kinds('none')).toEqual([]);
    expect(kinds('publish')).toEqual(['publish']);
    expect(kinds(' leave, Connect,publish,connect ')).toEqual(['connect', 'leave', 'publish']);
    for (const role of ['edge', 'router'] as const) {
      expect(loadConfig({ SB_LIFECYCLE_EVENTS: 'join,publish' }, role).lifecycleEvents).toEqual([
        'join',
        'publish',
      ]);
    }
  });

  it('names an unknown lifecycle event kind', () => {
    expect(problemsOf(() => loadConfig({ SB_LIFECYCLE_EVENTS: 'connect,msg' }))).toEqual([
      `SB_LIFECYCLE_EVENTS="connect,msg" has unknown "msg": must be true (all), false or none, or some of: connect, disconnect, join, leave, publish (comma-separated) — ${SETTINGS.lifecycleEvents.doc}`,
    ]);
    expect(problemsOf(() => loadConfig({ SB_LIFECYCLE_EVENTS: 'yes' }))[0]).toMatch(
      /^SB_LIFECYCLE_EVENTS="yes" has unknown "yes": must be true \(all\), false or none, or some of: /,
    );
    expect(problemsOf(() => loadConfig({ SB_LIFECYCLE_EVENTS: 'true,join' }))[0]).toMatch(
      /has unknown "true"/,
    );
    expect(problemsOf(() => loadConfig({ SB_LIFECYCLE_EVENTS: ',' }))[0]).toMatch(
      /^SB_LIFECYCLE_EVENTS="," must be true \(all\), false or none/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ SB_WS_PORT: '', SB_BUS: '' })).toMatchObject({ wsPort: 8080, bus: 'memory' });
  });

  it('gives a role only its own settings', () => {
    const edge = loadConfig({ SB_USER_PUBLISH_RATE: '5', SB_MAX_CONNECTIONS: '7' }, 'edge');
    expect(edge.maxConnections).toBe(7);
    expect(edge).not.toHaveProperty('userPublishRate');
    expect(edge).not.toHaveProperty('jwtSecrets');
    expect(edge).not.toHaveProperty('apiKeys');
    const router = loadConfig({ SB_USER_PUBLISH_RATE: '5', SB_MAX_CONNECTIONS: '7' }, 'router');
    expect(router.userPublishRate).toBe(5);
    expect(router).not.toHaveProperty('maxConnections');
  });

  it('accepts, and checks, settings of other roles (one environment is often shared)', () => {
    expect(() => loadConfig({ SB_HISTORY_SIZE: '5000', SB_USER_PUBLISH_RATE: '5' }, 'edge')).not.toThrow();
    expect(problemsOf(() => loadConfig({ SB_USER_PUBLISH_RATE: 'many' }, 'edge'))).toEqual([
      expect.stringContaining('SB_USER_PUBLISH_RATE="many" must be a whole number from 0 to 1000000'),
    ]);
    expect(() => loadConfig({ SB_ENV: 'production', SB_API_INSECURE: 'true' }, 'edge')).toThrow(
      /SB_API_INSECURE=true is refused/,
    );
  });

  it('lists value problems of every role in setting order, then unknown names', () => {
    const problems = problemsOf(() =>
      loadConfig({ SB_API_INSECURE: 'maybe', SB_NOPE: '1', SB_BUS: 'kafka', SB_HISTORY_SIZE: '-1' }, 'edge'),
    );
    expect(problems.map((p) => p.split(/[= ]/)[0])).toEqual([
      'SB_BUS',
      'SB_HISTORY_SIZE',
      'SB_API_INSECURE',
      'SB_NOPE',
    ]);
  });

  it('checks across settings only once every value is valid', () => {
    expect(problemsOf(() => loadConfig({ SB_ENV: 'production', SB_WS_PROT: '1' }))).toEqual([
      'SB_WS_PROT is not a Switchboard setting — did you mean SB_WS_PORT?',
    ]);
  });

  it('refuses an unauthenticated or plaintext bus and store in production, saying what to set', () => {
    const base = { SB_ENV: 'production', SB_BUS: 'nats', SB_STORE: 'redis', SB_API_KEYS: 'k'.repeat(32) };
    const problems = problemsOf(() => loadConfig(base, 'router'));
    expect(problems).toEqual([
      expect.stringContaining(
        'SB_NATS_USER + SB_NATS_PASSWORD_FILE, SB_NATS_NKEY_SEED_FILE or SB_NATS_CREDS_FILE',
      ),
      expect.stringContaining('plaintext NATS: set SB_NATS_CA_FILE'),
      expect.stringContaining('SB_REDIS_USER + SB_REDIS_PASSWORD_FILE'),
      expect.stringContaining('use a rediss:// SB_REDIS_URL'),
    ]);
    const secure = {
      ...base,
      SB_NATS_URL: 'nats://nats:4222',
      SB_NATS_USER: 'sb-router',
      SB_NATS_PASSWORD_FILE: '/run/secrets/nats-password',
      SB_NATS_CA_FILE: '/run/secrets/ca.pem',
      SB_REDIS_URL: 'rediss://redis:6380',
      SB_REDIS_USER: 'switchboard',
      SB_REDIS_PASSWORD_FILE: '/run/secrets/redis-password',
    };
    expect(loadConfig(secure, 'router').natsUser).toBe('sb-router');
    expect(() =>
      loadConfig(
        { ...base, SB_NATS_URL: 'tls://u:p@nats:4222', SB_REDIS_URL: 'rediss://:pw@redis' },
        'router',
      ),
    ).not.toThrow();
    expect(() => loadConfig({ ...base, SB_BUS_INSECURE: 'true' }, 'router')).not.toThrow();
    // Development keeps working with plain local servers.
    expect(() => loadConfig({ SB_BUS: 'nats', SB_STORE: 'redis' }, 'router')).not.toThrow();
  });

  it('checks NATS credential settings go together', () => {
    expect(problemsOf(() => loadConfig({ SB_NATS_PASSWORD_FILE: '/pw' }, 'edge'))).toEqual([
      'SB_NATS_PASSWORD_FILE needs SB_NATS_USER',
    ]);
    expect(problemsOf(() => loadConfig({ SB_NATS_USER: 'u', SB_NATS_CREDS_FILE: '/c' }, 'edge'))).toEqual([
      'set only one of SB_NATS_USER, SB_NATS_NKEY_SEED_FILE and SB_NATS_CREDS_FILE',
    ]);
    expect(problemsOf(() => loadConfig({ SB_REDIS_CERT_FILE: '/c' }, 'edge'))).toEqual([
      'SB_REDIS_CERT_FILE and SB_REDIS_KEY_FILE go together: set both or neither',
    ]);
  });

  it('never prints a password given in a URL', () => {
    const problems = problemsOf(() =>
      loadConfig({ SB_NATS_URL: 'http://sb-edge:hunter2@nats:4222' }, 'edge'),
    );
    expect(problems[0]).toContain('"http://sb-edge:***@nats:4222"');
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

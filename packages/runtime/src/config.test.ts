import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, describeSettings, effectiveJwtSecrets, loadConfig } from './config.js';
import { ConfigError } from './errors.js';

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

  it('documents every setting', () => {
    for (const row of describeSettings()) {
      expect(row.env).toMatch(/^SB_[A-Z0-9_]+$/);
      expect(row.doc.length).toBeGreaterThan(10);
    }
  });
});

describe('README configuration table', () => {
  it('matches the settings (run `pnpm docs:config` after changing a setting)', async () => {
    const { readFileSync } = await import('node:fs');
    const { configTable } = await import('./config.js');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configTable());
  });
});

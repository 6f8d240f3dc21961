import { apiSettings } from '@switchboard/api';
import { ConfigError } from '@switchboard/bus';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './loader.js';

// The API's settings as the config loader produces them (moved here from the api package, which
// cannot depend on the server's config without a cycle).
describe('apiSettings', () => {
  it('uses the development key in development when none is configured', () => {
    const s = apiSettings(loadConfig({}));
    expect(s).toMatchObject({ keys: ['switchboard-dev-api-key'], usingDevKey: true, port: 50_051 });
  });

  it('refuses production without keys, insecure mode in production, and the dev key in production', () => {
    const prod = { SB_ENV: 'production', SB_JWT_SECRETS: 'x'.repeat(32) };
    expect(() => apiSettings(loadConfig(prod))).toThrow(ConfigError);
    expect(() => loadConfig({ ...prod, SB_API_INSECURE: 'true' })).toThrow(/SB_API_INSECURE=true is refused/);
    expect(() => loadConfig({ ...prod, SB_API_KEYS: 'switchboard-dev-api-key' })).toThrow(
      /development API key/,
    );
    expect(() => loadConfig({ ...prod, SB_API_KEYS: 'short' })).toThrow(/32 bytes/);
    const ok = apiSettings(loadConfig({ ...prod, SB_API_KEYS: `${'a'.repeat(32)},${'b'.repeat(32)}` }));
    expect(ok).toMatchObject({ keys: ['a'.repeat(32), 'b'.repeat(32)], usingDevKey: false });
  });

  it('needs TLS cert and key together; a CA (mTLS) needs both', () => {
    expect(() => loadConfig({ SB_GRPC_TLS_CERT_FILE: '/x.pem' })).toThrow(/go together/);
    expect(() => loadConfig({ SB_GRPC_TLS_CA_FILE: '/ca.pem' })).toThrow(/needs SB_GRPC_TLS_CERT_FILE/);
    expect(() =>
      apiSettings(loadConfig({ SB_GRPC_TLS_CERT_FILE: '/nope.pem', SB_GRPC_TLS_KEY_FILE: '/nope.key' })),
    ).toThrow(/cannot read "\/nope.pem"/);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

async function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stderr };
}

describe('services/api (the server API as its own process)', () => {
  it('refuses production without SB_API_KEYS, exit 78, saying what to set', async () => {
    // A plain bus is allowed explicitly here: these tests are about the API's own settings.
    const result = await run({
      SB_ENV: 'production',
      SB_BUS: 'nats',
      SB_BUS_INSECURE: 'true',
      SB_JWT_SECRETS: 'x'.repeat(32),
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('the server API needs SB_API_KEYS in production');
  });

  it('refuses SB_API_INSECURE in production', async () => {
    const result = await run({
      SB_ENV: 'production',
      SB_BUS: 'nats',
      SB_JWT_SECRETS: 'x'.repeat(32),
      SB_API_INSECURE: 'true',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('SB_API_INSECURE=true is refused in production');
  });

  it('ignores the variables Kubernetes injects for Services, yet still names a mistyped setting', async () => {
    const serviceLinks = {
      SB_SWITCHBOARD_API_SERVICE_HOST: '10.0.0.1',
      SB_SWITCHBOARD_API_SERVICE_PORT: '50051',
      SB_SWITCHBOARD_API_SERVICE_PORT_GRPC: '50051',
      SB_SWITCHBOARD_API_PORT: 'tcp://10.0.0.1:50051',
      SB_SWITCHBOARD_API_PORT_50051_TCP: 'tcp://10.0.0.1:50051',
      SB_SWITCHBOARD_API_PORT_50051_TCP_PROTO: 'tcp',
      SB_SWITCHBOARD_API_PORT_50051_TCP_PORT: '50051',
      SB_SWITCHBOARD_API_PORT_50051_TCP_ADDR: '10.0.0.1',
    };
    const prod = { SB_ENV: 'production', SB_BUS: 'nats', SB_BUS_INSECURE: 'true', ...serviceLinks };
    const linksOnly = await run(prod);
    expect(linksOnly.code).toBe(78);
    expect(linksOnly.stderr).toContain('the server API needs SB_API_KEYS in production');
    expect(linksOnly.stderr).not.toContain('is not a Switchboard setting');

    const typo = await run({ ...prod, SB_GPRC_PORT: '50051' });
    expect(typo.code).toBe(78);
    expect(typo.stderr).toContain('SB_GPRC_PORT is not a Switchboard setting — did you mean SB_GRPC_PORT?');
    expect(typo.stderr).not.toContain('SB_SWITCHBOARD_API');
  });
});

/**
 * `pnpm load:smoke` — a short run of every load scenario (a few seconds each, small rates)
 * against a local cluster started with the `pnpm cluster` launcher (2 edges behind HAProxy,
 * NATS, Redis), so CI notices when a scenario or the system it drives breaks. Exits non-zero
 * when any scenario's `ensure` check fails.
 *
 *   pnpm load:smoke                         # starts a cluster, runs the three, stops it
 *   pnpm load:smoke -- --standalone         # a standalone server (services/standalone) instead
 *   pnpm load:smoke -- --url ws://… --secret …   # an existing deployment
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { startCluster } from '@switchboard/testing';
import { LOAD_DIR, runScenario, SCENARIOS, type Scenario, variables } from './run.js';

const SECRET = 'switchboard-load-smoke-secret-0123456789abcdef';

/** Small shapes: the whole smoke stays well under two minutes. */
const SMOKE: Record<Scenario, Record<string, number | string>> = {
  'connect-storm': { rate: 40, duration: 4, hold: 1 },
  chat: { rate: 5, duration: 4, hold: 1 },
  fanout: { rate: 20, duration: 3, hold: 5, fanoutRate: 5 },
};

/**
 * The smoke checks that the scenarios and the system they drive work (no failed users, every
 * recovery and delivery happening), not how fast a shared CI box is: its latency thresholds are
 * looser than `pnpm load`'s defaults, which are for real deployments.
 */
const SMOKE_THRESHOLDS = {
  connectP99Ms: 3_000,
  joinP99Ms: 2_000,
  publishP99Ms: 2_000,
  deliverP99Ms: 2_000,
  reconnectP99Ms: 4_000,
};

const { values } = parseArgs({
  options: {
    standalone: { type: 'boolean', default: false },
    url: { type: 'string' },
    secret: { type: 'string' },
    only: { type: 'string', default: SCENARIOS.join(',') },
  },
});

const startedAt = performance.now();
// Nothing may hang CI: everything started here dies with this process.
setTimeout(() => {
  console.error('load:smoke: still running after 4 minutes, giving up');
  process.exit(2);
}, 240_000).unref();

interface Target {
  url: string;
  secret: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

async function standalone(): Promise<Target> {
  const [wsPort, httpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('SB_')) env[key] = value;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(LOAD_DIR, '../services/standalone/src/main.ts')],
    {
      cwd: resolve(LOAD_DIR, '..'),
      env: {
        ...env,
        SB_LOG_LEVEL: 'warn',
        SB_JWT_SECRETS: SECRET,
        SB_WS_HOST: '127.0.0.1',
        SB_WS_PORT: String(wsPort),
        SB_HTTP_HOST: '127.0.0.1',
        SB_HTTP_PORT: String(httpPort),
        SB_GRPC_HOST: '127.0.0.1',
        SB_GRPC_PORT: String(grpcPort),
        SB_DRAIN_MS: '0',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  process.on('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the standalone server exited (code ${child.exitCode})`);
    if (Date.now() > deadline) throw new Error('the standalone server was not ready after 60 s');
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
    if (ready?.status === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `ws://127.0.0.1:${wsPort}`,
    secret: SECRET,
    async stop() {
      child.kill('SIGTERM');
    },
  };
}

async function cluster(): Promise<Target> {
  const c = await startCluster({ secret: SECRET, env: { SB_LOG_LEVEL: 'warn' } });
  return { url: c.wsUrl, secret: c.secret, stop: () => c.stop() };
}

async function target(): Promise<Target> {
  if (values.url !== undefined) {
    const secret = values.secret ?? process.env['SB_LOAD_SECRET'];
    if (!secret) throw new Error('--url needs --secret (or SB_LOAD_SECRET)');
    return { url: values.url, secret, stop: async () => {} };
  }
  return values.standalone ? standalone() : cluster();
}

const only = values.only.split(',').map((s) => s.trim()) as Scenario[];
console.log(
  `load:smoke: starting ${values.url ? values.url : values.standalone ? 'a standalone server' : 'a cluster'}…`,
);
const t = await target();
const failures: string[] = [];
try {
  for (const scenario of only) {
    const t0 = performance.now();
    const vars = variables(scenario, {
      ...SMOKE_THRESHOLDS,
      ...SMOKE[scenario],
      url: t.url,
      secret: t.secret,
    });
    const { code, output } = await runScenario(scenario, vars, { quiet: true });
    const checks = output
      .split('\n')
      .map((line) => stripVTControlCharacters(line).trim())
      .filter((line) => /^(ok|fail):/.test(line));
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`\n${scenario}: ${code === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
    for (const line of checks) console.log(`  ${line}`);
    if (code !== 0) {
      failures.push(scenario);
      console.log(output.split('\n').slice(-60).join('\n'));
    }
  }
} finally {
  await t.stop();
}
const total = ((performance.now() - startedAt) / 1000).toFixed(0);
if (failures.length > 0) {
  console.error(`\nload:smoke FAILED (${failures.join(', ')}) in ${total} s`);
  process.exit(1);
}
console.log(`\nload:smoke passed in ${total} s`);
process.exit(0);

/**
 * `pnpm load <scenario> [flags]` — runs one Artillery scenario of load/ against a deployed
 * Switchboard, filling the scenario's variables (URL, token secret/issuer/audience, rates,
 * thresholds) from flags, then SB_LOAD_* environment variables, then defaults. Exit code:
 * Artillery's — non-zero when an `ensure` threshold fails or Artillery cannot run.
 *
 * Also a library for load/smoke.ts: `runScenario()`.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const LOAD_DIR = dirname(fileURLToPath(import.meta.url));
const ARTILLERY = resolve(LOAD_DIR, '../node_modules/.bin/artillery');

export const SCENARIOS = ['connect-storm', 'chat', 'fanout'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Every variable the scenarios read, with its environment variable and default. */
const VARIABLES = {
  url: { env: 'SB_LOAD_URL', fallback: 'ws://127.0.0.1:8080', help: 'WebSocket URL of the deployment' },
  secret: { env: 'SB_LOAD_SECRET', fallback: '', help: 'HS256 secret tokens are signed with (required)' },
  issuer: { env: 'SB_LOAD_ISSUER', fallback: '', help: 'iss claim, if the deployment requires one' },
  audience: { env: 'SB_LOAD_AUDIENCE', fallback: '', help: 'aud claim, if the deployment requires one' },
  auth: {
    env: 'SB_LOAD_AUTH',
    fallback: 'frame',
    help: 'frame (connect command) or header (Bearer on upgrade)',
  },
  roomPrefix: { env: 'SB_LOAD_ROOM_PREFIX', fallback: 'load:', help: 'every room name starts with this' },
  rooms: { env: 'SB_LOAD_ROOMS', fallback: '50', help: 'rooms the connect storm and chat mix spread over' },
  room: { env: 'SB_LOAD_ROOM', fallback: '', help: 'one fixed room instead (fanout uses "fanout")' },
  rate: { env: 'SB_LOAD_RATE', fallback: '', help: 'new virtual users per second (per scenario default)' },
  duration: { env: 'SB_LOAD_DURATION_S', fallback: '', help: 'seconds of arrivals (per scenario default)' },
  hold: { env: 'SB_LOAD_HOLD_S', fallback: '', help: 'seconds each user stays (per scenario default)' },
  fanoutRate: { env: 'SB_LOAD_FANOUT_RATE', fallback: '5', help: 'fanout: messages per second' },
  timeoutMs: { env: 'SB_LOAD_TIMEOUT_MS', fallback: '10000', help: 'command timeout' },
  maxErrorRatePct: { env: 'SB_LOAD_MAX_ERROR_PCT', fallback: '1', help: 'ensure: failed users, percent' },
  connectP99Ms: { env: 'SB_LOAD_CONNECT_P99_MS', fallback: '1000', help: 'ensure: p99 connect' },
  joinP99Ms: { env: 'SB_LOAD_JOIN_P99_MS', fallback: '500', help: 'ensure: p99 join' },
  publishP99Ms: { env: 'SB_LOAD_PUBLISH_P99_MS', fallback: '500', help: 'ensure: p99 publish ack' },
  deliverP99Ms: { env: 'SB_LOAD_DELIVER_P99_MS', fallback: '500', help: 'ensure: p99 publish → deliver' },
  reconnectP99Ms: {
    env: 'SB_LOAD_RECONNECT_P99_MS',
    fallback: '1500',
    help: 'ensure: p99 reconnect + recovery',
  },
} as const;
type Variable = keyof typeof VARIABLES;

/** Per-scenario defaults for the arrival shape. */
const SHAPES: Record<Scenario, { rate: number; duration: number; hold: number }> = {
  'connect-storm': { rate: 200, duration: 30, hold: 5 },
  chat: { rate: 20, duration: 60, hold: 5 },
  fanout: { rate: 50, duration: 20, hold: 30 },
};

const NUMERIC = new Set<Variable>([
  'rooms',
  'rate',
  'duration',
  'hold',
  'fanoutRate',
  'timeoutMs',
  'maxErrorRatePct',
  'connectP99Ms',
  'joinP99Ms',
  'publishP99Ms',
  'deliverP99Ms',
  'reconnectP99Ms',
]);

/** The scenario's variables: `given` first, then the environment, then defaults. */
export function variables(
  scenario: Scenario,
  given: Partial<Record<Variable, string | number>>,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const shape = SHAPES[scenario];
  for (const [name, spec] of Object.entries(VARIABLES) as Array<[Variable, (typeof VARIABLES)[Variable]]>) {
    let value: string | number | undefined = given[name];
    if (value === undefined || value === '') value = env[spec.env];
    if (value === undefined || value === '') {
      value =
        name === 'rate' || name === 'duration' || name === 'hold'
          ? shape[name]
          : name === 'room' && scenario === 'fanout'
            ? 'fanout'
            : spec.fallback;
    }
    if (NUMERIC.has(name)) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number (got "${value}")`);
      value = n;
    }
    out[name] = value;
  }
  if (out['secret'] === '') throw new Error('a token secret is required: --secret or SB_LOAD_SECRET');
  return out;
}

export interface RunOptions {
  /** Write Artillery's JSON report here. */
  output?: string;
  /** Keep Artillery's output (returned either way) off this process's stdout. */
  quiet?: boolean;
}

/** Runs `artillery run` for one scenario; resolves with its exit code and output. */
export function runScenario(
  scenario: Scenario,
  vars: Record<string, string | number>,
  options: RunOptions = {},
): Promise<{ code: number; output: string }> {
  // The secret goes through the environment (the processor reads SB_LOAD_SECRET), not argv.
  const { secret, ...visible } = vars;
  const args = [
    'run',
    '--quiet',
    '--variables',
    JSON.stringify(visible),
    '--target',
    String(vars['url']),
    ...(options.output ? ['--output', options.output] : []),
    resolve(LOAD_DIR, `${scenario}.yml`),
  ];
  return new Promise((res, rej) => {
    const child = spawn(ARTILLERY, args, {
      cwd: LOAD_DIR,
      // No telemetry from a CI box.
      env: { ...process.env, SB_LOAD_SECRET: String(secret), ARTILLERY_DISABLE_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!options.quiet) process.stdout.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', rej);
    child.once('exit', (code, signal) => res({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const usage = `pnpm load <${SCENARIOS.join('|')}> [--name value ...]

Runs one Artillery scenario of load/ against a Switchboard deployment. Every setting is a flag
(--url ws://…), else an environment variable, else a default:

${Object.entries(VARIABLES)
  .map(([name, spec]) => `  --${name.padEnd(16)} ${spec.env.padEnd(26)} ${spec.help}`)
  .join('\n')}

  --output <file>    Artillery's JSON report (artillery report <file> renders it)

Defaults per scenario (rate/s, duration s, hold s): ${Object.entries(SHAPES)
  .map(([s, v]) => `${s} ${v.rate}/${v.duration}/${v.hold}`)
  .join(', ')}.
See docs/load-testing.md.`;

async function main(): Promise<void> {
  const options: Record<string, { type: 'string' }> = { output: { type: 'string' } };
  for (const name of Object.keys(VARIABLES)) options[name] = { type: 'string' };
  const parsed = parseArgs({
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const positionals = parsed.positionals;
  const scenario = positionals[0] as Scenario | undefined;
  if (values['help'] || scenario === undefined || !SCENARIOS.includes(scenario)) {
    console.log(usage);
    process.exit(values['help'] ? 0 : 2);
  }
  const given: Partial<Record<Variable, string>> = {};
  for (const name of Object.keys(VARIABLES) as Variable[]) {
    const value = values[name];
    if (typeof value === 'string') given[name] = value;
  }
  let vars: Record<string, string | number>;
  try {
    vars = variables(scenario, given);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
  const output = values['output'];
  const { code } = await runScenario(scenario, vars, typeof output === 'string' ? { output } : {});
  process.exit(code);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await main();

/**
 * Helpers for checking the Helm chart offline (scripts/helm-check.sh and the template tests in
 * scripts/helm-chart.test.ts): where the helm binary is, and a staged copy of the chart (the
 * tests write preview templates into it; the checkout stays untouched). The NATS and Valkey
 * dependencies are vendored in helm/switchboard/charts/ (pinned by Chart.lock), so the copy
 * renders exactly what `helm install` would, dependencies included.
 *
 * CLI: `tsx scripts/helm-chart.ts stage <dir>` prints the staged chart's path.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, cpSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CHART_DIR = join(ROOT, 'helm', 'switchboard');
/** The Kubernetes version charts are rendered for in checks (the chart needs ≥ 1.27). */
export const KUBE_VERSION = '1.30.0';

const run = promisify(execFile);

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** HELM_BIN, else the binary scripts/helm-check.sh builds, else `helm` on PATH. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env['HELM_BIN'],
    join(env['SWITCHBOARD_CACHE'] ?? join(homedir(), '.cache', 'switchboard'), 'bin', 'helm'),
    ...(env['PATH'] ?? '').split(delimiter).map((dir) => (dir ? join(dir, 'helm') : undefined)),
  ];
  return candidates.find((c): c is string => c !== undefined && c !== '' && executable(c));
}

interface Dependency {
  name: string;
  version: string;
  repository: string;
  condition?: string;
}

/** The dependencies Chart.yaml declares. */
export function chartDependencies(chartDir = CHART_DIR): Dependency[] {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { dependencies?: Dependency[] };
  return chart.dependencies ?? [];
}

/** Copies the chart, vendored dependencies included, to `dir`; returns the staged chart's path. */
export function stageChart(dir: string, chartDir = CHART_DIR): string {
  const staged = join(dir, 'switchboard');
  cpSync(chartDir, staged, { recursive: true });
  return staged;
}

export interface RenderOptions {
  values?: string[];
  set?: Record<string, string | number | boolean>;
  release?: string;
  namespace?: string;
  /** Render one template only (`--show-only`). */
  showOnly?: string;
  /** The Kubernetes version to render for (default KUBE_VERSION). */
  kubeVersion?: string;
}

/** `helm template` of a staged chart; rejects with helm's stderr when rendering fails. */
export async function helmTemplate(
  helm: string,
  chart: string,
  options: RenderOptions = {},
): Promise<string> {
  const args = [
    'template',
    options.release ?? 'sb',
    chart,
    '--namespace',
    options.namespace ?? 'realtime',
    '--kube-version',
    options.kubeVersion ?? KUBE_VERSION,
  ];
  for (const file of options.values ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${value}`);
  if (options.showOnly) args.push('--show-only', options.showOnly);
  try {
    const { stdout } = await run(helm, args, { maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    throw new Error(stderr?.trim() || (error as Error).message);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, dir] = process.argv.slice(2);
  if (command !== 'stage' || !dir) {
    process.stderr.write('usage: tsx scripts/helm-chart.ts stage <dir>\n');
    process.exit(2);
  }
  process.stdout.write(`${stageChart(resolve(dir))}\n`);
}

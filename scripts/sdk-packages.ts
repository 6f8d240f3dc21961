/**
 * The published packages: built, packed and checked together. `tsx scripts/sdk-packages.ts`
 * packs them into `--out` (default `.tmp/sdk-packs`); `--publish-dry-run` then runs
 * `pnpm publish --dry-run` on each (pnpm, not npm: pnpm applies `publishConfig.exports`);
 * `--size` prints the client's browser sizes and fails above the budget. The tarballs are
 * always checked with publint.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Package name → folder, in dependency order. */
export const SDK_PACKAGES = {
  '@switchboard/protocol': 'packages/protocol',
  '@switchboard/client': 'packages/client',
  '@switchboard/server-sdk': 'packages/server-sdk',
} as const;
export type SdkPackage = keyof typeof SDK_PACKAGES;

/** The client's browser builds must stay at or under this, gzipped. */
export const CLIENT_GZIP_BUDGET = 12 * 1024;

/**
 * `pnpm pack` of each package (its `prepack` builds it) into `outDir`; returns name → tarball.
 * pnpm rewrites `workspace:*` to the version and applies `publishConfig`.
 */
export async function packSdk(outDir: string): Promise<Record<SdkPackage, string>> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const dir of Object.values(SDK_PACKAGES)) {
    await run('pnpm', ['pack', '--pack-destination', outDir], {
      cwd: join(root, dir),
      maxBuffer: 16 * 1024 * 1024,
    });
  }
  return findPacks(outDir);
}

/** The tarballs `packSdk` wrote to `dir`. */
export async function findPacks(dir: string): Promise<Record<SdkPackage, string>> {
  const files = await readdir(dir);
  const tarballs = {} as Record<SdkPackage, string>;
  for (const name of Object.keys(SDK_PACKAGES) as SdkPackage[]) {
    const prefix = `${name.replace('@', '').replace('/', '-')}-`;
    const file = files.find((f) => f.startsWith(prefix) && /^\d/.test(f.slice(prefix.length)));
    if (!file) throw new Error(`no tarball of ${name} in ${dir}`);
    tarballs[name] = resolve(dir, file);
  }
  return tarballs;
}

/** `pnpm publish --dry-run` of each package, on the build `packSdk` made. */
export async function publishDryRun(): Promise<void> {
  for (const dir of Object.values(SDK_PACKAGES)) {
    const { stdout, stderr } = await run(
      'pnpm',
      ['publish', '--dry-run', '--no-git-checks', '--ignore-scripts', '--access', 'public'],
      { cwd: join(root, dir), maxBuffer: 16 * 1024 * 1024 },
    );
    process.stdout.write(stdout + stderr);
  }
}

/**
 * publint on each tarball (exports that point at missing files, wrong extensions for the
 * module type, …); returns its errors and warnings as text, empty when there are none.
 */
export async function lintPacks(tarballs: Record<SdkPackage, string>): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, file] of Object.entries(tarballs)) {
    const data = await readFile(file);
    const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    const { messages, pkg } = await publint({ pack: { tarball }, level: 'warning', strict: true });
    for (const message of messages) {
      problems.push(`${name}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`);
    }
  }
  return problems;
}

export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** Sizes of the client's browser builds (as `gzip -9` would send them), in the workspace or an install. */
export async function clientBrowserSizes(
  packageDir = join(root, SDK_PACKAGES['@switchboard/client']),
): Promise<BundleSize[]> {
  const dir = join(packageDir, 'dist/browser');
  const sizes: BundleSize[] = [];
  for (const file of ['switchboard.min.mjs', 'switchboard.iife.js']) {
    const code = await readFile(join(dir, file));
    sizes.push({ file, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length });
  }
  return sizes;
}

export function sizeReport(sizes: readonly BundleSize[]): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return sizes
    .map((s) => `${s.file.padEnd(22)} ${kb(s.bytes).padStart(9)} min  ${kb(s.gzipBytes).padStart(8)} gzip`)
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(root, '.tmp/sdk-packs') },
      'publish-dry-run': { type: 'boolean', default: false },
      size: { type: 'boolean', default: false },
    },
  });
  const tarballs = await packSdk(resolve(values.out));
  for (const [name, file] of Object.entries(tarballs)) console.log(`${name}: ${file}`);
  const problems = await lintPacks(tarballs);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exitCode = 1;
  if (values['publish-dry-run']) await publishDryRun();
  if (values.size) {
    const sizes = await clientBrowserSizes();
    console.log(`@switchboard/client browser builds (budget ${CLIENT_GZIP_BUDGET / 1024} KB gzip):`);
    console.log(sizeReport(sizes));
    const over = sizes.filter((s) => s.gzipBytes > CLIENT_GZIP_BUDGET);
    if (over.length > 0) {
      console.error(`over the size budget: ${over.map((s) => s.file).join(', ')}`);
      process.exitCode = 1;
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}

/**
 * Production bundle: one self-contained ES module per service entry, the exact files the
 * container image runs (see Dockerfile). Usage: `pnpm bundle` (writes dist/) or
 * `tsx scripts/bundle.ts --outdir <dir>`.
 *
 * Every dependency is bundled (none is native: `ws` only *tries* to load its optional native
 * helpers `bufferutil`/`utf-8-validate`, inside try/catch, and falls back to JavaScript), so the
 * runtime image needs Node and these files — no node_modules, no package manager, no tsx.
 * The gRPC API loads its `.proto` files at run time: they are copied to `proto/`, where it
 * looks for them. The Redis stores read their Lua scripts from `lua/` beside the module that runs
 * them (packages/stores/src/redis/lua-commands.ts): they are copied to `lua/` beside the bundles.
 */

import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** dist/<name>.mjs ← entry. The cluster roles, the all-in-one process and the `switchboard` CLI. */
export const ENTRIES: Readonly<Record<string, string>> = {
  edge: 'services/edge/src/main.ts',
  auth: 'services/auth/src/main.ts',
  router: 'services/router/src/main.ts',
  presence: 'services/presence/src/main.ts',
  api: 'services/api/src/main.ts',
  standalone: 'services/standalone/src/main.ts',
  switchboard: 'packages/cli/src/main.ts',
};

/** The Redis stores' Lua scripts, read at run time from `lua/` beside the file that runs them. */
const LUA_DIR = 'packages/stores/src/redis/lua';

/** The roles `main.mjs` can start (everything but the CLI). */
export const ROLES = ['edge', 'auth', 'router', 'presence', 'api', 'standalone'] as const;

/**
 * Bundled CommonJS dependencies (ioredis, jsonwebtoken, pino, prom-client, ws) call `require`
 * for Node built-ins; an ES module has none, so each file gets one.
 */
const BANNER = [
  "import { createRequire as __sbCreateRequire } from 'node:module';",
  'const require = __sbCreateRequire(import.meta.url);',
].join('\n');

/**
 * `node main.mjs` starts the role named by SWITCHBOARD_ROLE (or its first argument), so one
 * image serves every role: `docker run -e SWITCHBOARD_ROLE=edge …` or `… node edge.mjs`.
 */
const LAUNCHER = `// Starts the Switchboard role named by SWITCHBOARD_ROLE (or the first argument).
const roles = ${JSON.stringify(ROLES)};
const role = process.argv[2] ?? process.env.SWITCHBOARD_ROLE ?? 'standalone';
if (!roles.includes(role)) {
  process.stderr.write(\`unknown role "\${role}": set SWITCHBOARD_ROLE to one of \${roles.join(', ')}\\n\`);
  process.exit(64);
}
process.argv.splice(2, process.argv[2] === undefined ? 0 : 1);
await import(\`./\${role}.mjs\`);
`;

export interface BundleResult {
  outdir: string;
  /** Output file name → size in bytes. */
  files: Record<string, number>;
}

export async function bundle(options: { outdir?: string } = {}): Promise<BundleResult> {
  const outdir = resolve(options.outdir ?? join(root, 'dist'));
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRIES).map(([out, entry]) => ({ in: entry, out })),
    outdir,
    outExtension: { '.js': '.mjs' },
    // No code splitting: with it, esbuild turns `await import('ioredis')` (a CommonJS package)
    // into a chunk exporting only `default`, and `const { Redis } = await import('ioredis')`
    // breaks. Each role is one self-contained file instead.
    splitting: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Nothing is external: the image has no node_modules.
    external: [],
    banner: { js: BANNER },
    sourcemap: 'linked',
    // Stack traces map to the TypeScript file and line; the sources themselves stay out.
    sourcesContent: false,
    // Names stay as written (error and class names in logs); the image sets
    // --enable-source-maps, so stack traces point at the TypeScript sources' lines.
    minifySyntax: true,
    minifyWhitespace: true,
    minifyIdentifiers: false,
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed with ${result.errors.length} errors`);
  await writeFile(join(outdir, 'main.mjs'), LAUNCHER);
  const protoDir = join(root, 'proto');
  if (existsSync(protoDir)) await cp(protoDir, join(outdir, 'proto'), { recursive: true });
  await cp(join(root, LUA_DIR), join(outdir, 'lua'), { recursive: true });
  await copyConsole(root, outdir);
  await writeFile(
    join(outdir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'switchboard-dist',
        private: true,
        type: 'module',
        description: 'Switchboard production bundle (generated by scripts/bundle.ts; not for editing)',
        engines: { node: '>=20.11' },
      },
      null,
      2,
    )}\n`,
  );
  return { outdir, files: await sizes(outdir, result.metafile) };
}

async function sizes(outdir: string, metafile: Metafile): Promise<Record<string, number>> {
  const files: Record<string, number> = {};
  for (const out of Object.keys(metafile.outputs)) {
    if (out.endsWith('.map') || out.endsWith('.LEGAL.txt')) continue;
    files[relative(outdir, resolve(root, out))] = metafile.outputs[out]?.bytes ?? 0;
  }
  for (const extra of ['main.mjs', 'package.json']) files[extra] = (await stat(join(outdir, extra))).size;
  if (existsSync(join(outdir, 'proto'))) files['proto/'] = await dirSize(join(outdir, 'proto'));
  files['lua/'] = await dirSize(join(outdir, 'lua'));
  return files;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const started = performance.now();
  const { outdir, files } = await bundle(values.outdir ? { outdir: values.outdir } : {});
  for (const [file, bytes] of Object.entries(files)) {
    process.stdout.write(
      `${relative(process.cwd(), join(outdir, file)).padEnd(28)} ${(bytes / 1024).toFixed(0)} KiB\n`,
    );
  }
  process.stdout.write(`bundled in ${Math.round(performance.now() - started)} ms\n`);
}

/** The ops console's page and Preact/htm modules, read at run time from `console/` beside the bundles. */
async function copyConsole(root: string, outdir: string): Promise<void> {
  const { VENDOR_FILES, browserModule, packageDir } = await import('../packages/api/src/console/assets.js');
  await cp(join(root, 'packages/api/src/console/ui'), join(outdir, 'console', 'ui'), { recursive: true });
  const require = createRequire(join(root, 'packages/api/package.json'));
  for (const [name, [pkg, path]] of Object.entries(VENDOR_FILES)) {
    await mkdir(join(outdir, 'console', 'vendor'), { recursive: true });
    const source = await readFile(join(packageDir(require, pkg), path), 'utf8');
    await writeFile(join(outdir, 'console', 'vendor', name), browserModule(source));
  }
}

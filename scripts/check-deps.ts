/**
 * Checks the workspace's dependency graph, tests included (`pnpm check:deps`, part of `pnpm check`):
 *   - every `@switchboard/*` import in a package's files (sources, tests, demos) is declared in its
 *     package.json;
 *   - no package depends on itself through others, counting devDependencies and what its files
 *     import: a test-time dependency that leads back to the package is a cycle too;
 *   - only the e2e/ package uses the test harness (@switchboard/testing), which starts the whole
 *     system: tests inside packages stay beside their code.
 * A relative import that leaves a package (e.g. a contract suite using the harness's
 * nats-server launcher) counts as a dependency on what the imported files themselves import,
 * not on the whole package they sit in.
 * Exits 1 with one line per problem.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HARNESS = '@switchboard/testing';
const HARNESS_USERS = new Set(['@switchboard/e2e']);
const SOURCE = /\.(?:ts|mts|js|mjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'test-results']);
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

interface WorkspacePackage {
  name: string;
  dir: string;
  declared: Set<string>;
}

interface Manifest {
  name?: string;
  [field: string]: unknown;
}

function workspaceDirs(): string[] {
  const workspace = parse(readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')) as { packages: string[] };
  return workspace.packages.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(ROOT, pattern)];
    const parent = join(ROOT, pattern.slice(0, -2));
    return readdirSync(parent).map((entry) => join(parent, entry));
  });
}

function loadPackages(): Map<string, WorkspacePackage> {
  const packages = new Map<string, WorkspacePackage>();
  for (const dir of workspaceDirs()) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (!manifest.name) continue;
    const declared = new Set<string>();
    for (const field of DEPENDENCY_FIELDS) {
      const deps = manifest[field];
      if (deps && typeof deps === 'object') for (const name of Object.keys(deps)) declared.add(name);
    }
    packages.set(manifest.name, { name: manifest.name, dir, declared });
  }
  return packages;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return SKIP_DIRS.has(entry) ? [] : sourceFiles(path);
    return SOURCE.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic `import('…')`. */
function specifiers(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const found = [
    ...code.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return found.map((m) => m[1]!);
}

/** `@switchboard/x/sub` → `@switchboard/x`; undefined for other packages and relative paths. */
function workspaceName(specifier: string, packages: Map<string, WorkspacePackage>): string | undefined {
  const name = specifier.split('/').slice(0, 2).join('/');
  return packages.has(name) ? name : undefined;
}

/** The source file a relative specifier names (sources import `./x.js` for `./x.ts`). */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

const inside = (dir: string, file: string) => file.startsWith(dir + sep);

/** Workspace packages imported by `file` and by the files it imports relatively, transitively. */
function closureImports(
  file: string,
  packages: Map<string, WorkspacePackage>,
  seen = new Set<string>(),
): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  return specifiers(file).flatMap((spec) => {
    if (!spec.startsWith('.')) {
      const name = workspaceName(spec, packages);
      return name ? [name] : [];
    }
    const target = resolveRelative(file, spec);
    return target ? closureImports(target, packages, seen) : [];
  });
}

function findCycles(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      cycles.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of edges.keys()) visit(node, []);
  return cycles;
}

const packages = loadPackages();
const problems: string[] = [];
const edges = new Map<string, Set<string>>();
const why = new Map<string, string>();

for (const pkg of packages.values()) {
  const out = new Set<string>();
  edges.set(pkg.name, out);
  const add = (to: string, reason: string) => {
    if (to === pkg.name || out.has(to)) return;
    out.add(to);
    why.set(`${pkg.name} → ${to}`, reason);
  };
  for (const dep of pkg.declared) if (packages.has(dep)) add(dep, 'package.json');
  for (const file of sourceFiles(pkg.dir)) {
    const where = relative(ROOT, file);
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) {
        const name = workspaceName(spec, packages);
        if (!name || name === pkg.name) continue;
        if (!pkg.declared.has(name))
          problems.push(`${where} imports ${name}, not in ${pkg.name}'s package.json`);
        add(name, where);
        continue;
      }
      const target = resolveRelative(file, spec);
      if (!target || inside(pkg.dir, target)) continue;
      for (const name of closureImports(target, packages))
        add(name, `${where} (via ${relative(ROOT, target)})`);
    }
  }
}

for (const [from, to] of edges) {
  if (to.has(HARNESS) && !HARNESS_USERS.has(from))
    problems.push(
      `${from} depends on ${HARNESS} (${why.get(`${from} → ${HARNESS}`)}): whole-system tests belong in e2e/`,
    );
}

for (const cycle of findCycles(edges)) {
  const steps = cycle.slice(1).map((to, i) => `${cycle[i]} → ${to} [${why.get(`${cycle[i]} → ${to}`)}]`);
  problems.push(`dependency cycle: ${steps.join(', ')}`);
}

if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  process.exit(1);
}
process.stdout.write(
  `${packages.size} workspace packages: dependencies declared, no cycle (tests included), ${HARNESS} used only by e2e/\n`,
);

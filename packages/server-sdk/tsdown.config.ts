import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsdown';

/** The only imports the published files may keep: this package's dependencies and Node. */
const PUBLISHED_DEPENDENCIES = [
  /^node:/,
  /^@grpc\/grpc-js$/,
  /^@grpc\/proto-loader$/,
  /^@switchboard\/protocol$/,
  /^valibot$/,
  /^@nats-io\/transport-node$/,
];

/**
 * `@switchboard/server-sdk` as published: ESM + CommonJS with declarations and maps, for `.`
 * (gRPC) and `./nats` (the NATS fast path).
 *
 * The SDK validates requests with the server's own schemas and speaks the server's wire and
 * bus formats, which live in private workspace packages (`@switchboard/api`, `…/bus`,
 * `…/router`). Those sources are compiled into the SDK's files, code and types, so there is one
 * definition in the repository and nothing private to install. The SDK imports their narrow
 * entries (`@switchboard/api/schemas`, `…/api/core`, `…/bus/interface`, …), never the barrels,
 * which reach the server (gRPC server, logger, stores). Tree-shaking keeps only what
 * the SDK calls (workspace modules are declared free of side effects); `@opentelemetry/api`,
 * which the bus code asks for trace headers, is replaced by a no-op, and a build whose output
 * imports anything server-side fails (see `checkImports`).
 */
export default defineConfig({
  entry: { index: 'src/index.ts', nats: 'src/nats.ts' },
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  // `import.meta.url` (the .proto files are found next to the module) in the CommonJS build.
  shims: true,
  // One declaration program rooted at the entries. The inlined workspace sources are mapped to
  // their files (`paths`) rather than found through node_modules, where TypeScript would treat
  // them as a library and not emit them. (`eager` made one whole program per inlined module.)
  dts: { sourcemap: true, compilerOptions: { paths: workspacePaths() } },
  fixedExtension: true,
  tsconfig: 'tsconfig.json',
  deps: {
    // Every package but the private workspace ones (and the aliased OpenTelemetry API) stays an
    // import, checked below.
    neverBundle: [/^(?!@switchboard\/(?!protocol$)|@opentelemetry\/api$)[^./]/],
    alwaysBundle: [/^@switchboard\/(?!protocol$)/],
    onlyBundle: false,
  },
  alias: { '@opentelemetry/api': fileURLToPath(new URL('./build/otel-noop.ts', import.meta.url)) },
  treeshake: {
    moduleSideEffects: (id: string, external: boolean) => !(external || id.includes('/packages/')),
  },
  // The API's loader looks for `proto/` beside (or above) the module that loads it.
  copy: [{ from: '../../proto', to: 'dist' }],
  plugins: [checkNarrowImports(), checkImports()],
});

/**
 * `paths` from every private workspace package's export map (`@switchboard/api/schemas` →
 * `…/packages/api/src/schemas.ts`); `@switchboard/protocol` is a dependency and stays one.
 */
function workspacePaths(): Record<string, string[]> {
  const packagesDir = new URL('../', import.meta.url);
  const paths: Record<string, string[]> = {};
  for (const dir of readdirSync(packagesDir)) {
    let manifest: { name?: string; exports?: Record<string, unknown> };
    try {
      manifest = JSON.parse(readFileSync(new URL(`${dir}/package.json`, packagesDir), 'utf8'));
    } catch {
      continue;
    }
    const { name, exports } = manifest;
    if (!name?.startsWith('@switchboard/') || name === '@switchboard/protocol' || !exports) continue;
    for (const [subpath, target] of Object.entries(exports)) {
      if (typeof target !== 'string' || !target.endsWith('.ts')) continue;
      const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
      paths[specifier] = [fileURLToPath(new URL(`${dir}/${target}`, packagesDir))];
    }
  }
  return paths;
}

/**
 * Fails the build when the SDK's own sources import a private package's barrel (`@switchboard/api`,
 * `@switchboard/bus`, …): those reach server-side code and types; the SDK uses narrow entries.
 * (It sees the code's imports; type-only ones are erased before this hook.)
 */
function checkNarrowImports() {
  const packagesDir = fileURLToPath(new URL('../', import.meta.url));
  const sdkSources = `${packagesDir}server-sdk/src/`;
  const barrel = new RegExp(`^${packagesDir}(?!protocol/)[^/]+/src/index\\.ts$`);
  return {
    name: 'switchboard:check-narrow-imports',
    moduleParsed(info: { id: string; importedIds: readonly string[] }) {
      if (!info.id.startsWith(sdkSources)) return;
      const imported = info.importedIds.find((id) => barrel.test(id));
      if (imported) {
        throw new Error(`${info.id} imports ${imported}; import one of its narrow entries instead`);
      }
    },
  };
}

/** Fails the build when an output file imports something that is not a published dependency. */
function checkImports() {
  return {
    name: 'switchboard:check-imports',
    generateBundle(
      _options: unknown,
      bundle: Record<string, { type: string; imports?: string[]; dynamicImports?: string[] }>,
    ) {
      for (const [file, output] of Object.entries(bundle)) {
        if (output.type !== 'chunk') continue;
        for (const source of [...(output.imports ?? []), ...(output.dynamicImports ?? [])]) {
          const bare = !source.startsWith('.') && !source.startsWith('/') && !(source in bundle);
          if (bare && !PUBLISHED_DEPENDENCIES.some((allowed) => allowed.test(source))) {
            throw new Error(`${file} imports "${source}", which the server SDK does not depend on`);
          }
        }
      }
    },
  };
}

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
 * bus formats, which live in private workspace packages (`@switchboard/api`, `…/router`,
 * `…/runtime`). Those sources are compiled into the SDK's files, code and types, so there is one
 * definition in the repository and nothing private to install. Tree-shaking keeps only what
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
  // `eager`: the inlined workspace sources are outside this package's program; their
  // declarations come from one whole-program emit.
  dts: { sourcemap: true, eager: true },
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
  plugins: [checkImports()],
});

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

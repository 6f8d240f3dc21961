import { defineConfig } from 'tsdown';

/**
 * `@switchboard/client` as published:
 * - `dist/index.{mjs,cjs}` with `.d.{mts,cts}` and maps: for bundlers and Node (protocol and
 *   valibot stay dependencies, shared with the app);
 * - `dist/browser/switchboard.{min.mjs,iife.js}`: self-contained and minified, for a CDN
 *   `<script type="module">` or a plain `<script>` (global `Switchboard`).
 */
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    platform: 'neutral',
    target: 'es2022',
    outDir: 'dist',
    clean: true,
    sourcemap: true,
    dts: { sourcemap: true },
    fixedExtension: true,
    tsconfig: 'tsconfig.json',
  },
  {
    entry: { switchboard: 'src/index.ts' },
    format: ['esm', 'iife'],
    globalName: 'Switchboard',
    platform: 'browser',
    target: 'es2022',
    outDir: 'dist/browser',
    clean: false,
    sourcemap: true,
    minify: true,
    // Error classes name themselves after their class (`this.name = new.target.name`).
    outputOptions: { keepNames: true },
    dts: false,
    deps: { alwaysBundle: [/./], onlyBundle: false },
    outExtensions: ({ format }) => ({ js: format === 'iife' ? '.js' : '.min.mjs' }),
    tsconfig: 'tsconfig.json',
  },
]);

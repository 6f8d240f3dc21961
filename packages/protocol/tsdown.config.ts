import { defineConfig } from 'tsdown';

/** `@switchboard/protocol` as published: ESM + CommonJS, each with its declarations and maps. */
export default defineConfig({
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
});

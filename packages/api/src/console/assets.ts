import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  file: string;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The UI library files, as ES modules the browser imports by these paths. */
export const VENDOR_FILES = {
  'preact.mjs': ['preact', 'dist/preact.module.js'],
  'hooks.mjs': ['preact', 'hooks/dist/hooks.module.js'],
  'htm.mjs': ['htm', 'dist/htm.module.js'],
} as const;

/** A vendor module as the browser loads it: preact/hooks imports "preact" by name, here its file beside it. */
export function browserModule(source: string): string {
  return source.replaceAll('from"preact"', 'from"./preact.mjs"');
}

/**
 * Where the console's files are: `ui/` beside this module (from the sources) or `console/ui/`
 * beside the bundle (the image; scripts/bundle.ts copies them). Preact and htm are served from
 * node_modules, or from `console/vendor/` in the image: no CDN.
 */
export function consoleAssets(): Map<string, ConsoleAsset> {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = join(here, 'console');
  const ui = [join(here, 'ui'), join(bundled, 'ui')].find((dir) => existsSync(join(dir, 'index.html')));
  if (!ui) throw new Error(`the ops console's files are missing (looked beside ${here})`);
  const assets = new Map<string, ConsoleAsset>();
  for (const name of ['index.html', 'app.js', 'style.css']) {
    assets.set(`/${name}`, { file: join(ui, name), type: TYPES[name.slice(name.lastIndexOf('.'))]! });
  }
  const require = createRequire(import.meta.url);
  for (const [name, [pkg, path]] of Object.entries(VENDOR_FILES)) {
    const copied = join(bundled, 'vendor', name);
    const file = existsSync(copied) ? copied : join(packageDir(require, pkg), path);
    assets.set(`/vendor/${name}`, { file, type: TYPES['.mjs']! });
  }
  return assets;
}

/** A package's directory (htm exports no package.json: found from its main file). */
export function packageDir(require: NodeJS.Require, pkg: string): string {
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

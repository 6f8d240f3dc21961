/** Prints the README configuration table from the settings themselves; `--write` updates README.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '@switchboard/server/config';

const START = '<!-- config:start -->';
const END = '<!-- config:end -->';
const table = configTable();
if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`README.md needs ${START} and ${END} markers`);
  writeFileSync('README.md', `${readme.slice(0, from + START.length)}\n${table}\n${readme.slice(to)}`);
} else {
  process.stdout.write(`${table}\n`);
}

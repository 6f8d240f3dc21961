/** Prints the per-role bus permission table; `--write` updates docs/subjects.md between its markers. */
import { readFileSync, writeFileSync } from 'node:fs';
import { permissionsMarkdown } from '@switchboard/bus';

const FILE = 'docs/subjects.md';
const START = '<!-- permissions:start -->';
const END = '<!-- permissions:end -->';
const table = permissionsMarkdown();
if (process.argv.includes('--write')) {
  const doc = readFileSync(FILE, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`${FILE} needs ${START} and ${END} markers`);
  writeFileSync(FILE, `${doc.slice(0, from + START.length)}\n${table}\n${doc.slice(to)}`);
} else {
  process.stdout.write(`${table}\n`);
}

import type { Setting } from './settings.js';

/** Messages that say what is wrong and what to do, naming the variable. */

export function badValue(setting: Setting<unknown>, raw: string, message: string): string {
  // A URL may carry a password (`nats://user:pass@host`): never print it.
  const shown = setting.secret
    ? '(secret)'
    : JSON.stringify(raw.replace(/\/\/([^/@:]*):[^/@]*@/g, '//$1:***@'));
  return `${setting.env}=${shown} ${message} — ${setting.doc}`;
}

export function unknownSetting(name: string, known: readonly string[]): string {
  const hint = closest(name, known);
  return `${name} is not a Switchboard setting${hint ? ` — did you mean ${hint}?` : ''}`;
}

/** The known name nearest to `name` (at most 3 edits away). */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

import { readFileSync } from 'node:fs';

/**
 * The Prometheus text format, read just enough for the tests: families by their `# TYPE` line,
 * each with its samples (histograms: `_bucket`, `_sum`, `_count`).
 */
export interface Family {
  type: string;
  samples: Array<{ name: string; labels: string; value: number }>;
}

export type Scrape = Map<string, Family>;

export function parseMetrics(text: string): Scrape {
  const families: Scrape = new Map();
  let current: Family | undefined;
  let currentName = '';
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      currentName = type[1]!;
      current = { type: type[2]!, samples: [] };
      families.set(currentName, current);
      continue;
    }
    if (line === '' || line.startsWith('#') || !current) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!sample || !sample[1]!.startsWith(currentName)) continue;
    current.samples.push({ name: sample[1]!, labels: sample[2] ?? '', value: Number(sample[3]) });
  }
  return families;
}

export async function scrape(httpUrl: string): Promise<Scrape> {
  const res = await fetch(`${httpUrl}/metrics`);
  if (!res.ok) throw new Error(`${httpUrl}/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

/** A family's samples as one comparable string: it "moved" when this changes. */
export function fingerprint(scrape: Scrape, name: string): string | undefined {
  const family = scrape.get(name);
  return family?.samples.map((s) => `${s.name}${s.labels} ${s.value}`).join('\n');
}

export const ROLES = ['edge', 'auth', 'router', 'presence', 'api'] as const;
export type Role = (typeof ROLES)[number];

export interface DocumentedMetric {
  name: string;
  type: string;
  labels: string[];
  roles: Role[];
  /** Documented as "Set once at start": it never moves after that. */
  constant: boolean;
}

/** The table of docs/metrics.md: one row per metric. */
export function documentedMetrics(file: string): DocumentedMetric[] {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `switchboard_'));
  return rows.map((row) => {
    const cells = row
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const [name, type, labels, role, , moves] = cells as [string, string, string, string, string, string];
    const roles = role === 'all' ? [...ROLES] : (role.split(/,\s*/) as Role[]);
    for (const r of roles) if (!ROLES.includes(r)) throw new Error(`docs/metrics.md: unknown role "${r}"`);
    return {
      name: name.replaceAll('`', ''),
      type,
      labels: labels === '' ? [] : labels.split(/,\s*/).map((l) => l.replaceAll('`', '')),
      roles,
      constant: moves === 'Set once at start',
    };
  });
}

/** The label names of a family's samples (histogram `le` left out). */
export function labelNames(family: Family): string[] {
  const names = new Set<string>();
  for (const s of family.samples) {
    for (const m of s.labels.matchAll(/([a-zA-Z_]+)="/g)) if (m[1] !== 'le') names.add(m[1]!);
  }
  return [...names].sort();
}

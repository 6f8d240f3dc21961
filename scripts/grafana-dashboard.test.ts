import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_FILE, dashboard, dashboardJson } from './grafana-dashboard.js';
import { ROOT } from './helm-chart.js';

const documented = new Set(
  [
    ...readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8').matchAll(/^\| `(switchboard_[a-z0-9_]+)`/gm),
  ].map((m) => m[1]!),
);
/** switchboard_ metric names a query uses (histogram series mapped to their family). */
function metricsIn(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/\bswitchboard_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
  );
}
const exprs = dashboard()
  .panels.flatMap((p) => ('targets' in p ? (p.targets as Array<{ expr: string }>) : []))
  .map((t) => t.expr);

describe('deploy/grafana/switchboard-dashboard.json', () => {
  it('is what scripts/grafana-dashboard.ts generates (run it with --write after a change)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(dashboardJson());
  });

  it('selects through variables only: no namespace or service label is assumed', () => {
    for (const expr of exprs) {
      expect(expr).not.toMatch(/\b(namespace|service|pod)\s*(=|!=|=~|!~)/);
      if (/switchboard_|process_|nodejs_/.test(expr))
        expect(expr).toContain('job=~"$job", instance=~"$instance"');
    }
  });

  it('queries documented metrics only, and shows every documented metric', () => {
    const used = metricsIn(exprs.join('\n'));
    expect([...used].filter((m) => !documented.has(m))).toEqual([]);
    expect([...documented].filter((m) => !used.has(m))).toEqual([]);
  });

  it('has a row per role plus NATS/Redis and readiness', () => {
    const rows = dashboard()
      .panels.filter((p) => (p as { type: string }).type === 'row')
      .map((p) => (p as { title: string }).title);
    expect(rows).toEqual(
      expect.arrayContaining([
        'Cluster and readiness',
        'Edge',
        'Auth',
        'Router',
        'Presence',
        'Server API (gRPC)',
        'NATS and Redis',
      ]),
    );
  });
});

describe('deploy/prometheus/alerts.yaml', () => {
  it('uses documented metrics only', () => {
    const text = readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8');
    const used = [...metricsIn(text)].filter((m) => !m.startsWith('switchboard:'));
    expect(used.filter((m) => !documented.has(m))).toEqual([]);
  });
});

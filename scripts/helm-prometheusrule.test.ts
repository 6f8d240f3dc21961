/**
 * Template tests of the chart's PrometheusRule (helm/switchboard/templates/prometheusrule.yaml), in
 * the style of helm-chart.test.ts: rendered with a real helm, its rules are those of
 * deploy/prometheus/alerts.yaml, and the rendered groups pass a real `promtool check rules`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CHART_DIR, findHelm, helmTemplate, type RenderOptions, ROOT, stageChart } from './helm-chart.js';
import { type Manifest, parseManifests, validateManifests } from './validate-manifests.js';

const helm = findHelm();
const inCi = Boolean(process.env['CI']);
const PROMTOOL = join(
  process.env['SWITCHBOARD_CACHE'] ?? join(homedir(), '.cache', 'switchboard'),
  'promtool',
  'v0.316.0',
  'promtool',
);

interface RuleGroups {
  groups: Array<{
    name: string;
    rules: Array<{ alert?: string; record?: string; labels?: Record<string, string> }>;
  }>;
}
type PrometheusRule = Manifest & {
  spec: RuleGroups;
  metadata: { namespace?: string; labels?: Record<string, string> };
};

const ALERTS = join(ROOT, 'deploy', 'prometheus', 'alerts.yaml');
const CHART_ALERTS = join(CHART_DIR, 'files', 'alerts.yaml');

let chart = '';
let work = '';
async function render(options: RenderOptions = {}): Promise<Manifest[]> {
  if (!helm) throw new Error('helm is not installed: run `bash scripts/helm-check.sh`');
  return parseManifests(await helmTemplate(helm, chart, options));
}
const rules = (objects: Manifest[]) => objects.filter((o) => o.kind === 'PrometheusRule') as PrometheusRule[];

describe('the alert rules shipped twice are the same', () => {
  it('helm/switchboard/files/alerts.yaml is a copy of deploy/prometheus/alerts.yaml', () => {
    expect(readFileSync(CHART_ALERTS, 'utf8')).toBe(readFileSync(ALERTS, 'utf8'));
  });
});

describe.skipIf(!helm && !inCi)('helm/switchboard PrometheusRule', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sb-helm-rules-'));
    chart = stageChart(work);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is off by default', async () => {
    expect(rules(await render())).toEqual([]);
  });

  it('on: the groups of deploy/prometheus/alerts.yaml, labelled for the Prometheus that selects it', async () => {
    const objects = await render({
      set: {
        'prometheusRule.enabled': true,
        'prometheusRule.labels.release': 'kps',
        'prometheusRule.namespace': 'monitoring',
      },
    });
    const [rule] = rules(objects);
    expect(rule?.metadata.name).toBe('sb-switchboard');
    expect(rule?.metadata.namespace).toBe('monitoring');
    expect(rule?.metadata.labels?.['release']).toBe('kps');
    expect(rule?.spec).toEqual(parse(readFileSync(ALERTS, 'utf8')));
    const findings = await validateManifests(objects);
    expect(findings.filter((f) => !f.ok)).toEqual([]);
  });

  it('adds additionalRuleLabels to every alert (an alert keeps its own severity), not to recording rules', async () => {
    const [rule] = rules(
      await render({
        set: {
          'prometheusRule.enabled': true,
          'prometheusRule.additionalRuleLabels.team': 'realtime',
          'prometheusRule.additionalRuleLabels.severity': 'overridden',
        },
      }),
    );
    const all = rule!.spec.groups.flatMap((g) => g.rules);
    for (const r of all.filter((x) => x.alert)) {
      expect(r.labels?.['team'], r.alert).toBe('realtime');
      expect(r.labels?.['severity'], r.alert).not.toBe('overridden');
    }
    for (const r of all.filter((x) => x.record)) expect(r.labels, r.record).toBeUndefined();
  });

  it.skipIf(!existsSync(PROMTOOL) && !inCi)('the rendered rules pass promtool check rules', async () => {
    const [rule] = rules(await render({ set: { 'prometheusRule.enabled': true } }));
    const file = join(work, 'rendered-rules.yaml');
    writeFileSync(file, stringify(rule!.spec));
    const out = execFileSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });
});

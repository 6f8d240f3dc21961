/**
 * Template unit tests of helm/switchboard: render with a real helm (`helm template --set …`) and
 * assert on the parsed objects. helm comes from scripts/helm-check.sh (built with `go install`,
 * cached in ~/.cache/switchboard/bin) or HELM_BIN or PATH. Without helm these tests are skipped
 * locally with a message, and fail under CI (CI set): CI runs helm-check.sh first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS } from '@switchboard/server/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENTRIES, ROLES } from './bundle.js';
import { CHART_DIR, findHelm, helmTemplate, type RenderOptions, ROOT, stageChart } from './helm-chart.js';
import { type Manifest, parseManifests, validateManifests } from './validate-manifests.js';

const helm = findHelm();
const inCi = Boolean(process.env['CI']);
if (!helm && !inCi) {
  console.warn(
    'SKIPPED helm chart template tests: helm is not installed. Run `bash scripts/helm-check.sh` ' +
      '(builds helm with go install into ~/.cache/switchboard/bin) or set HELM_BIN.',
  );
}

type Obj = Record<string, unknown>;
interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Obj; limits?: Obj };
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  topologySpreadConstraints?: Array<{ topologyKey: string; labelSelector: { matchLabels: Obj } }>;
  automountServiceAccountToken?: boolean;
}
interface Deployment extends Manifest {
  spec: {
    replicas?: number;
    selector: { matchLabels: Obj };
    template: { metadata: { labels: Obj }; spec: PodSpec };
  };
}

let chart = '';
let work = '';

async function render(options: RenderOptions = {}): Promise<Manifest[]> {
  if (!helm)
    throw new Error('helm is not installed: run `bash scripts/helm-check.sh` (CI runs it before the tests)');
  return parseManifests(await helmTemplate(helm, chart, options));
}
function find<T extends Manifest = Manifest>(objects: Manifest[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} in: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found as T;
}
function all<T extends Manifest = Manifest>(objects: Manifest[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}
function env(container: Container): Record<string, string | undefined> {
  return Object.fromEntries(
    (container.env ?? []).map((e) => [
      e.name,
      e.value ?? `secret:${e.valueFrom?.secretKeyRef?.name}/${e.valueFrom?.secretKeyRef?.key}`,
    ]),
  );
}
const container = (d: Deployment): Container => d.spec.template.spec.containers[0]!;
const COMPONENTS = ['edge', 'auth', 'router', 'presence', 'api'] as const;

describe.skipIf(!helm && !inCi)('helm/switchboard templates', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sb-helm-'));
    chart = stageChart(work);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('defaults: a Deployment and Services per component, probes, security, spread, labels; nothing optional', async () => {
    const objects = await render();
    for (const c of COMPONENTS) {
      const d = find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`);
      const pod = d.spec.template.spec;
      const main = container(d);
      expect(main.args).toEqual([`/app/${c}.mjs`]);
      expect(main.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(main.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(main.ports?.find((p) => p.name === 'http')?.containerPort).toBe(9090);
      expect(main.resources?.requests).toBeDefined();
      expect(main.resources?.limits?.['memory']).toBeDefined();
      expect(main.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.topologySpreadConstraints?.map((t) => t.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      expect(pod.topologySpreadConstraints?.[0]?.labelSelector.matchLabels).toEqual(
        d.spec.selector.matchLabels,
      );
      expect(d.spec.replicas).toBe(2);
      const metrics = find(objects, 'Service', `sb-switchboard-${c}-metrics`) as Manifest & {
        spec: { selector: Obj };
      };
      expect(metrics.spec.selector).toEqual(d.spec.selector.matchLabels);
    }
    for (const o of objects) {
      expect(o.metadata.name.length).toBeLessThanOrEqual(63);
      const labels = (o.metadata as { labels?: Obj }).labels ?? {};
      expect(Object.keys(labels)).toEqual(
        expect.arrayContaining([
          'helm.sh/chart',
          'app.kubernetes.io/name',
          'app.kubernetes.io/instance',
          'app.kubernetes.io/version',
          'app.kubernetes.io/managed-by',
        ]),
      );
    }
    for (const kind of [
      'HorizontalPodAutoscaler',
      'ScaledObject',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'Ingress',
      'HTTPRoute',
      'ServiceMonitor',
    ]) {
      expect(all(objects, kind), kind).toEqual([]);
    }
    const findings = await validateManifests(objects);
    expect(findings.filter((f) => !f.ok)).toEqual([]);
  });

  it('the edge has no Redis link and the WebSocket Service carries only the WebSocket port', async () => {
    const objects = await render();
    const edge = env(container(find<Deployment>(objects, 'Deployment', 'sb-switchboard-edge')));
    expect(edge['SB_STORE']).toBe('memory');
    expect(edge['SB_REDIS_URL']).toBeUndefined();
    expect(edge['SB_BUS']).toBe('nats');
    const api = env(container(find<Deployment>(objects, 'Deployment', 'sb-switchboard-api')));
    expect(api['SB_STORE']).toBe('memory');
    expect(api['SB_API_KEYS']).toBe('secret:sb-switchboard-api-keys/api-keys');
    for (const c of ['auth', 'router', 'presence']) {
      const e = env(container(find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`)));
      expect(e['SB_STORE']).toBe('redis');
      expect(e['SB_REDIS_URL']).toBe('redis://redis:6379');
      expect(e['SB_JWT_SECRETS']).toBe('secret:sb-switchboard-jwt/jwt-secrets');
    }
    const ws = find(objects, 'Service', 'sb-switchboard-edge') as Manifest & {
      spec: { ports: Array<{ name: string }> };
    };
    expect(ws.spec.ports.map((p) => p.name)).toEqual(['ws']);
  });

  it('drain: grace = preStop + SB_DRAIN_MS window + margin, and a shorter grace is refused', async () => {
    const objects = await render({
      set: {
        'edge.drain.preStopSleepSeconds': 12,
        'edge.drain.windowSeconds': 90,
        'edge.drain.marginSeconds': 20,
      },
    });
    const edge = find<Deployment>(objects, 'Deployment', 'sb-switchboard-edge');
    expect(edge.spec.template.spec.terminationGracePeriodSeconds).toBe(122);
    expect(env(container(edge))['SB_DRAIN_MS']).toBe('90000');
    expect(container(edge).lifecycle?.preStop?.exec?.command).toEqual(['sleep', '12']);
    const raised = await render({ set: { 'edge.terminationGracePeriodSeconds': 300 } });
    expect(
      find<Deployment>(raised, 'Deployment', 'sb-switchboard-edge').spec.template.spec
        .terminationGracePeriodSeconds,
    ).toBe(300);
    await expect(render({ set: { 'edge.terminationGracePeriodSeconds': 30 } })).rejects.toThrow(
      /killed mid-drain/,
    );
    const sleepAction = await render({ set: { preStopSleepAction: true } });
    expect(
      container(find<Deployment>(sleepAction, 'Deployment', 'sb-switchboard-edge')).lifecycle?.preStop,
    ).toEqual({
      sleep: { seconds: 10 },
    });
  });

  it('HPA on: the edge scales on switchboard_edge_connections per pod, slowly down; services on CPU', async () => {
    const objects = await render({
      set: {
        'edge.autoscaling.enabled': true,
        'edge.autoscaling.targetConnectionsPerPod': 4000,
        'router.autoscaling.enabled': true,
      },
    });
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'sb-switchboard-edge') as Manifest & {
      apiVersion: string;
      spec: {
        scaleTargetRef: { name: string };
        metrics: Array<{
          type: string;
          pods?: { metric: { name: string }; target: { type: string; averageValue: string } };
        }>;
        behavior: {
          scaleDown: {
            stabilizationWindowSeconds: number;
            policies: Array<{ type: string; value: number; periodSeconds: number }>;
          };
        };
      };
    };
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef.name).toBe('sb-switchboard-edge');
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'Pods',
        pods: {
          metric: { name: 'switchboard_edge_connections' },
          target: { type: 'AverageValue', averageValue: '4000' },
        },
      },
    ]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(900);
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 300 }]);
    // One drain at a time: the scale-down period is at least the edge's termination grace.
    const edge = find<Deployment>(objects, 'Deployment', 'sb-switchboard-edge');
    expect(hpa.spec.behavior.scaleDown.policies[0]!.periodSeconds).toBeGreaterThanOrEqual(
      edge.spec.template.spec.terminationGracePeriodSeconds ?? 0,
    );
    // The HPA owns the replica count: helm upgrades must not reset it.
    expect(edge.spec.replicas).toBeUndefined();
    const router = find(objects, 'HorizontalPodAutoscaler', 'sb-switchboard-router') as Manifest & {
      spec: { metrics: Array<{ type: string; resource?: { name: string } }> };
    };
    expect(router.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
    expect(
      all(objects, 'HorizontalPodAutoscaler')
        .map((h) => h.metadata.name)
        .sort(),
    ).toEqual(['sb-switchboard-edge', 'sb-switchboard-router']);
    expect(all(objects, 'ScaledObject')).toEqual([]);

    // The metric the HPA asks for is the one the shipped prometheus-adapter rule serves.
    const adapter = parse(readFileSync(join(ROOT, 'deploy/prometheus-adapter/values.yaml'), 'utf8')) as {
      rules: { custom: Array<{ seriesQuery: string; name: { as: string } }> };
    };
    const rule = adapter.rules.custom.find((r) => r.name.as === 'switchboard_edge_connections');
    expect(rule?.seriesQuery).toContain('switchboard_edge_connections');
    expect((await validateManifests(objects)).filter((f) => !f.ok)).toEqual([]);
  });

  it('KEDA on: a ScaledObject (no chart HPA for the edge) with the same behaviour and a Prometheus trigger', async () => {
    const objects = await render({
      set: {
        'edge.autoscaling.enabled': true,
        'edge.autoscaling.mode': 'keda',
        'edge.autoscaling.keda.serverAddress': 'http://prometheus.monitoring:9090',
      },
    });
    expect(all(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    const so = find(objects, 'ScaledObject', 'sb-switchboard-edge') as Manifest & {
      spec: {
        scaleTargetRef: { name: string };
        minReplicaCount: number;
        advanced: {
          horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: number } } };
        };
        triggers: Array<{ type: string; metricType: string; metadata: Record<string, string> }>;
      };
    };
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec.scaleTargetRef.name).toBe('sb-switchboard-edge');
    expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(
      1800,
    );
    expect(so.spec.triggers).toEqual([
      {
        type: 'prometheus',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: 'http://prometheus.monitoring:9090',
          query:
            'sum(switchboard_edge_connections{namespace="realtime", service="sb-switchboard-edge-metrics"})',
          threshold: '5000',
        },
      },
    ]);
    expect((await validateManifests(objects)).filter((f) => !f.ok)).toEqual([]);
    // KEDA (and Kubernetes) refuse stabilization windows over an hour: so does the schema.
    await expect(
      render({
        set: {
          'edge.autoscaling.enabled': true,
          'edge.autoscaling.mode': 'keda',
          'edge.autoscaling.keda.serverAddress': 'http://p:9090',
          'edge.autoscaling.scaleDown.stabilizationWindowSeconds': 3601,
        },
      }),
    ).rejects.toThrow(/stabilizationWindowSeconds/);
    await expect(
      render({ set: { 'edge.autoscaling.enabled': true, 'edge.autoscaling.mode': 'keda' } }),
    ).rejects.toThrow(/serverAddress/);
  });

  it('PDB on: one per component, selecting exactly its pods', async () => {
    const set: Record<string, string | number | boolean> = { 'auth.pdb.minAvailable': 1 };
    for (const c of COMPONENTS) set[`${c}.pdb.enabled`] = true;
    const objects = await render({ set });
    for (const c of COMPONENTS) {
      const pdb = find(objects, 'PodDisruptionBudget', `sb-switchboard-${c}`) as Manifest & {
        apiVersion: string;
        spec: { maxUnavailable?: number; minAvailable?: number; selector: { matchLabels: Obj } };
      };
      expect(pdb.apiVersion).toBe('policy/v1');
      const d = find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`);
      expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
      expect(d.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      if (c === 'auth') expect(pdb.spec).toMatchObject({ minAvailable: 1 });
      else expect(pdb.spec.maxUnavailable).toBe(1);
    }
    expect((await validateManifests(objects)).filter((f) => !f.ok)).toEqual([]);
  });

  it('NetworkPolicy on: edges reach NATS but not Redis; only auth, router and presence reach Redis', async () => {
    type Port = { port: number | string };
    type Rule = { ports: Port[]; to?: Obj[]; from?: Obj[] };
    type Policy = Manifest & {
      spec: { podSelector: Obj; policyTypes: string[]; ingress: Rule[]; egress?: Rule[] };
    };
    const egressPorts = (p: Policy) => (p.spec.egress ?? []).flatMap((r) => r.ports.map((x) => x.port));
    const objects = await render({
      set: { 'networkPolicy.enabled': true, 'nats.enabled': true, 'valkey.enabled': true },
    });
    for (const c of COMPONENTS) {
      const policy = find<Policy>(objects, 'NetworkPolicy', `sb-switchboard-${c}`);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(egressPorts(policy)).toContain(4222);
      const natsRule = policy.spec.egress?.find((r) => r.ports.some((p) => p.port === 4222));
      expect(natsRule?.to).toEqual([
        {
          podSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'sb' },
          },
        },
      ]);
      if (c === 'edge' || c === 'api') expect(egressPorts(policy)).not.toContain(6379);
      else expect(egressPorts(policy)).toContain(6379);
    }
    const edge = find<Policy>(objects, 'NetworkPolicy', 'sb-switchboard-edge');
    expect(edge.spec.ingress.flatMap((r) => r.ports.map((p) => p.port))).toEqual(['ws', 'http']);
    const redis = find<Policy>(objects, 'NetworkPolicy', 'sb-switchboard-redis');
    expect(redis.spec.podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'valkey', 'app.kubernetes.io/instance': 'sb' },
    });
    expect(redis.spec.ingress).toEqual([
      {
        ports: [{ port: 6379, protocol: 'TCP' }],
        from: [
          {
            podSelector: {
              matchLabels: { 'app.kubernetes.io/name': 'switchboard', 'app.kubernetes.io/instance': 'sb' },
              matchExpressions: [
                {
                  key: 'app.kubernetes.io/component',
                  operator: 'In',
                  values: ['auth', 'router', 'presence'],
                },
              ],
            },
          },
        ],
      },
    ]);
    // The dependency charts' Services are what the processes connect to.
    const auth = env(container(find<Deployment>(objects, 'Deployment', 'sb-switchboard-auth')));
    expect(auth['SB_NATS_URL']).toBe('nats://sb-nats.realtime.svc:4222');
    expect(auth['SB_REDIS_URL']).toBe('redis://sb-valkey.realtime.svc:6379');
    expect((await validateManifests(objects)).filter((f) => !f.ok)).toEqual([]);
  });

  it('Ingress and HTTPRoute: WebSocket timeouts of an hour or more, routed to the edge Service', async () => {
    const objects = await render({
      set: {
        'edge.ingress.enabled': true,
        'edge.ingress.className': 'nginx',
        'edge.httpRoute.enabled': true,
        'edge.httpRoute.parentRefs[0].name': 'public',
        'edge.httpRoute.hostnames[0]': 'ws.example.com',
      },
    });
    const ingress = find(objects, 'Ingress', 'sb-switchboard-edge') as Manifest & {
      metadata: { annotations: Record<string, string> };
      spec: {
        rules: Array<{
          http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> };
        }>;
      };
    };
    const a = ingress.metadata.annotations;
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(a['haproxy.org/timeout-tunnel']).toBe('3600s');
    expect(ingress.spec.rules[0]?.http.paths[0]?.backend.service).toEqual({
      name: 'sb-switchboard-edge',
      port: { name: 'ws' },
    });
    const route = find(objects, 'HTTPRoute', 'sb-switchboard-edge') as Manifest & {
      spec: { parentRefs: Obj[]; rules: Array<{ backendRefs: Array<{ name: string; port: number }> }> };
    };
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ name: 'public' }]);
    expect(route.spec.rules[0]?.backendRefs).toEqual([{ name: 'sb-switchboard-edge', port: 8080 }]);
    await expect(render({ set: { 'edge.httpRoute.enabled': true } })).rejects.toThrow(/parentRefs/);
    expect((await validateManifests(objects)).filter((f) => !f.ok)).toEqual([]);
  });

  it('secrets: generated by default, or yours by name (existingSecret), never both', async () => {
    const defaults = await render();
    expect(find(defaults, 'Secret', 'sb-switchboard-jwt')).toBeDefined();
    const objects = await render({
      set: {
        'jwt.existingSecret': 'my-jwt',
        'jwt.existingSecretKey': 'secrets',
        'apiKeys.existingSecret': 'my-api',
      },
    });
    expect(all(objects, 'Secret')).toEqual([]);
    const edge = env(container(find<Deployment>(objects, 'Deployment', 'sb-switchboard-edge')));
    expect(edge['SB_JWT_SECRETS']).toBe('secret:my-jwt/secrets');
    const api = env(container(find<Deployment>(objects, 'Deployment', 'sb-switchboard-api')));
    expect(api['SB_API_KEYS']).toBe('secret:my-api/api-keys');
    const keysOnly = await render({
      values: [join(chart, 'ci/full-values.yaml')],
      set: { 'jwt.hs256Secrets': 'null' },
    });
    expect(all(keysOnly, 'Secret').map((s) => s.metadata.name)).toEqual([
      'sb-switchboard-jwt-public-keys',
      'sb-switchboard-api-keys',
    ]);
    const auth = env(container(find<Deployment>(keysOnly, 'Deployment', 'sb-switchboard-auth')));
    expect(auth['SB_JWT_PUBLIC_KEY_FILES']).toBe('/etc/switchboard/jwt/rs256.pem');
    expect(auth['SB_JWT_SECRETS']).toBeUndefined();
  });

  it('values.schema.json rejects typos, unknown SB_ settings and settings the chart owns', async () => {
    await expect(render({ set: { 'edge.autoscalng.enabled': true } })).rejects.toThrow(/autoscalng/);
    await expect(render({ set: { replicas: 3 } })).rejects.toThrow(/replicas/);
    await expect(render({ set: { 'config.SB_WS_PROT': 1 } })).rejects.toThrow(/SB_WS_PROT/);
    await expect(render({ set: { 'edge.config.SB_STORE': 'redis' } })).rejects.toThrow(/SB_STORE/);
    await expect(render({ set: { 'edge.service.type': 'Loadbalancer' } })).rejects.toThrow(
      /edge\/service\/type/,
    );
    const ok = await render({ set: { 'edge.config.SB_MAX_CONNECTIONS': 20000 } });
    expect(
      env(container(find<Deployment>(ok, 'Deployment', 'sb-switchboard-edge')))['SB_MAX_CONNECTIONS'],
    ).toBe('20000');
  });

  it('the schema knows every Switchboard setting: each is either yours (config) or the chart’s', () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
      definitions: { config: { propertyNames: { enum: string[] }; description: string } };
    };
    const allowed = schema.definitions.config.propertyNames.enum;
    const owned = schema.definitions.config.description.split(': ')[1]!.split(', ');
    const settings = Object.values(SETTINGS).map((s) => s.env);
    expect([...allowed, ...owned].sort()).toEqual([...settings].sort());
  });

  it('NOTES.txt renders for the default and the full values', async () => {
    // helm template leaves NOTES.txt out: render it through a copy wrapped in a define.
    const notes = readFileSync(join(chart, 'templates/NOTES.txt'), 'utf8');
    writeFileSync(
      join(chart, 'templates/notes-preview.yaml'),
      `{{- define "notes.preview" }}${notes}{{- end }}\nnotes: {{ include "notes.preview" . | toJson }}\n`,
    );
    try {
      for (const values of [[], [join(chart, 'ci/full-values.yaml')]]) {
        const [doc] = parseManifests(
          await helmTemplate(helm!, chart, { values, showOnly: 'templates/notes-preview.yaml' }),
        ) as unknown as Array<{ notes: string }>;
        expect(doc?.notes).toContain('kubectl -n realtime rollout status');
        expect(doc?.notes).toMatch(
          /drains for up to \d+ s on shutdown \(terminationGracePeriodSeconds \d+\)/,
        );
      }
    } finally {
      rmSync(join(chart, 'templates/notes-preview.yaml'));
    }
  });

  it('the chart starts roles the production bundle has', () => {
    for (const c of COMPONENTS) {
      expect(ENTRIES[c], `scripts/bundle.ts has no entry for ${c}`).toBeDefined();
      expect(ROLES).toContain(c);
    }
  });
});

/**
 * Template unit tests of helm/switchboard: render with a real helm (`helm template --set …`) and
 * assert on the parsed objects. helm comes from scripts/helm-check.sh (built with `go install`,
 * cached in ~/.cache/switchboard/bin) or HELM_BIN or PATH. Without helm these tests are skipped
 * locally with a message, and fail under CI (CI set): CI runs helm-check.sh first.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  volumeMounts?: Array<{ name: string; mountPath: string }>;
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
  topologySpreadConstraints?: Array<{
    topologyKey: string;
    maxSkew: number;
    whenUnsatisfiable: string;
    labelSelector: { matchLabels: Obj };
  }>;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  volumes?: Array<{ name: string; [k: string]: unknown }>;
}
interface Deployment extends Manifest {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    strategy?: { rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    selector: { matchLabels: Obj };
    template: { metadata: { labels: Obj; annotations?: Record<string, string> }; spec: PodSpec };
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
      // Two pods of a component never share a node while another fits; zones best effort.
      expect(pod.topologySpreadConstraints?.map((t) => [t.maxSkew, t.whenUnsatisfiable])).toEqual([
        [1, 'ScheduleAnyway'],
        [1, 'DoNotSchedule'],
      ]);
      expect(pod.enableServiceLinks).toBe(false);
      const pdb = find(objects, 'PodDisruptionBudget', `sb-switchboard-${c}`) as Manifest & {
        spec: { maxUnavailable?: number; selector: { matchLabels: Obj } };
      };
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
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
    }
    // Only auth verifies tokens: no other role holds the keys.
    const auth = env(container(find<Deployment>(objects, 'Deployment', 'sb-switchboard-auth')));
    expect(auth['SB_JWT_SECRETS']).toBe('secret:sb-switchboard-jwt/jwt-secrets');
    for (const c of ['edge', 'router', 'presence', 'api']) {
      const e = env(container(find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`)));
      expect(e['SB_JWT_SECRETS'], c).toBeUndefined();
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
    // Before Kubernetes 1.30 the kubelet has no sleep action: the chart keeps the command.
    const older = await render({ set: { preStopSleepAction: true }, kubeVersion: '1.27.0' });
    expect(
      container(find<Deployment>(older, 'Deployment', 'sb-switchboard-edge')).lifecycle?.preStop,
    ).toEqual({
      exec: { command: ['sleep', '10'] },
    });
  });

  it('HPA on: the edge scales on switchboard_edge_connections per pod, slowly down; services on CPU', async () => {
    const objects = await render({
      set: {
        'edge.autoscaling.enabled': true,
        'edge.autoscaling.targetConnectionsPerPod': 4000,
        'router.autoscaling.enabled': true,
        'serviceMonitor.enabled': true,
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
        'serviceMonitor.enabled': true,
      },
    });
    expect(all(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    const so = find(objects, 'ScaledObject', 'sb-switchboard-edge') as Manifest & {
      spec: {
        scaleTargetRef: { name: string };
        minReplicaCount: number;
        fallback: Obj;
        advanced: {
          horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: number } } };
        };
        triggers: Array<{ type: string; metricType: string; metadata: Record<string, string> }>;
      };
    };
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec.scaleTargetRef.name).toBe('sb-switchboard-edge');
    expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    // A Prometheus outage keeps the edges (never shrinks them to the minimum).
    expect(so.spec.fallback).toEqual({
      failureThreshold: 3,
      replicas: 2,
      behavior: 'currentReplicasIfHigher',
    });
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
          // No answer from Prometheus is an error (fallback), not zero connections.
          ignoreNullValues: 'false',
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
          'serviceMonitor.enabled': true,
        },
      }),
    ).rejects.toThrow(/stabilizationWindowSeconds/);
    await expect(
      render({
        set: {
          'edge.autoscaling.enabled': true,
          'edge.autoscaling.mode': 'keda',
          'serviceMonitor.enabled': true,
        },
      }),
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
    // Valkey requires a password (its generated Secret), put into the URL by Kubernetes.
    expect(auth['SB_REDIS_URL']).toBe('redis://default:$(VALKEY_PASSWORD)@sb-valkey.realtime.svc:6379');
    expect(auth['VALKEY_PASSWORD']).toBe('secret:sb-valkey-users/default');
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

  it('secrets: generated in the cluster (not by helm template), or yours by name (existingSecret), never both', async () => {
    // helm template cannot read the cluster: a generated value would change on every render.
    const defaults = await render();
    expect(all(defaults, 'Secret')).toEqual([]);
    const given = await render({
      set: { 'jwt.hs256Secrets[0]': 'given-secret-0123456789abcdef0123456789abcdef' },
    });
    expect(find(given, 'Secret', 'sb-switchboard-jwt')).toBeDefined();
    const objects = await render({
      set: {
        'jwt.existingSecret': 'my-jwt',
        'jwt.existingSecretKey': 'secrets',
        'apiKeys.existingSecret': 'my-api',
      },
    });
    expect(all(objects, 'Secret')).toEqual([]);
    const authEnv = env(container(find<Deployment>(objects, 'Deployment', 'sb-switchboard-auth')));
    expect(authEnv['SB_JWT_SECRETS']).toBe('secret:my-jwt/secrets');
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
      definitions: { config: { properties: Record<string, unknown>; description: string } };
    };
    const allowed = Object.keys(schema.definitions.config.properties);
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

  it('renders the same twice: nothing random reaches helm template (Argo CD syncs are no-ops)', async () => {
    for (const values of [[], [join(chart, 'ci/full-values.yaml')], [join(chart, 'ci/keda-values.yaml')]]) {
      const first = await render({ values });
      const second = await render({ values });
      expect(second).toEqual(first);
    }
  });

  it('checksums: each Deployment rolls only on the Secrets it uses', async () => {
    const key = (n: number) => `api-key-${n}-0123456789abcdef0123456789abcdef0123`;
    const secret = (n: number) => `jwt-secret-${n}-0123456789abcdef0123456789abcdef`;
    const templates = async (set: Record<string, string>) => {
      const objects = await render({ set });
      return Object.fromEntries(
        COMPONENTS.map((c) => [
          c,
          find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`).spec.template,
        ]),
      );
    };
    const base = await templates({ 'apiKeys.keys[0]': key(1), 'jwt.hs256Secrets[0]': secret(1) });
    const newKeys = await templates({ 'apiKeys.keys[0]': key(2), 'jwt.hs256Secrets[0]': secret(1) });
    const newJwt = await templates({ 'apiKeys.keys[0]': key(1), 'jwt.hs256Secrets[0]': secret(2) });
    for (const c of COMPONENTS) {
      if (c === 'api') expect(newKeys[c]).not.toEqual(base[c]);
      else expect(newKeys[c], `${c} rolls on new API keys`).toEqual(base[c]);
      if (c === 'auth') expect(newJwt[c]).not.toEqual(base[c]);
      else expect(newJwt[c], `${c} rolls on new JWT secrets`).toEqual(base[c]);
    }
    expect(Object.keys(base['edge']!.metadata.annotations ?? {})).toEqual([]);
    expect(Object.keys(base['auth']!.metadata.annotations ?? {})).toEqual(['checksum/jwt']);
    expect(Object.keys(base['api']!.metadata.annotations ?? {})).toEqual(['checksum/api-keys']);
    // Generated values are fixed once made: the checksum names the source, not a random draw.
    const generated = await render();
    expect(
      find<Deployment>(generated, 'Deployment', 'sb-switchboard-api').spec.template.metadata.annotations?.[
        'checksum/api-keys'
      ],
    ).toMatch(/^[0-9a-f]{64}$/);
  });

  it('only auth gets token keys, with public keys too', async () => {
    const objects = await render({ values: [join(chart, 'ci/full-values.yaml')] });
    for (const c of COMPONENTS) {
      const d = find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`);
      const e = env(container(d));
      const volumes = (d.spec.template.spec.volumes ?? []).map((v) => v.name);
      if (c === 'auth') {
        expect(e['SB_JWT_SECRETS']).toBe('secret:sb-switchboard-jwt/jwt-secrets');
        expect(e['SB_JWT_PUBLIC_KEY_FILES']).toBe('/etc/switchboard/jwt/rs256.pem');
        expect(volumes).toContain('jwt-public-keys');
      } else {
        expect(e['SB_JWT_SECRETS'], c).toBeUndefined();
        expect(e['SB_JWT_PUBLIC_KEY_FILES'], c).toBeUndefined();
        expect(volumes, c).not.toContain('jwt-public-keys');
      }
    }
  });

  it('bus credentials: none by default; per component from Secrets you name, files under /etc/switchboard/bus', async () => {
    const busVars = (e: Record<string, string | undefined>) =>
      Object.keys(e).filter((k) => /^SB_(NATS|REDIS)_/.test(k) && !k.endsWith('_URL'));
    const defaults = await render();
    for (const c of COMPONENTS) {
      const d = find<Deployment>(defaults, 'Deployment', `sb-switchboard-${c}`);
      expect(busVars(env(container(d))), c).toEqual([]);
      expect((d.spec.template.spec.volumes ?? []).map((v) => v.name)).toEqual(['tmp']);
    }
    const objects = await render({
      set: {
        'natsCA.secretName': 'bus-ca',
        'redisCA.secretName': 'bus-ca',
        'redisCA.key': 'redis-ca.pem',
        'edge.natsAuth.creds.secretName': 'edge-nats',
        'edge.natsAuth.creds.key': 'edge.creds',
        'router.natsAuth.user': 'router',
        'router.natsAuth.password.secretName': 'router-nats',
        'router.natsAuth.password.key': 'password',
        'router.redisAuth.user': 'router',
        'router.redisAuth.password.secretName': 'router-redis',
        'router.redisAuth.password.key': 'password',
        'presence.natsAuth.nkeySeed.secretName': 'presence-nats',
        'presence.natsAuth.nkeySeed.key': 'seed',
        'presence.redisAuth.clientCert.secretName': 'presence-redis-tls',
        'api.natsAuth.clientCert.secretName': 'api-nats-tls',
      },
    });
    const dep = (c: string) => find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`);
    const edge = env(container(dep('edge')));
    expect(busVars(edge).sort()).toEqual(['SB_NATS_CA_FILE', 'SB_NATS_CREDS_FILE']);
    expect(edge['SB_NATS_CREDS_FILE']).toBe('/etc/switchboard/bus/nats.creds');
    expect(edge['SB_NATS_CA_FILE']).toBe('/etc/switchboard/bus/nats-ca.crt');
    const edgeBus = dep('edge').spec.template.spec.volumes?.find((v) => v.name === 'bus-credentials');
    expect(edgeBus).toEqual({
      name: 'bus-credentials',
      projected: {
        defaultMode: 0o440, // rendered as 288: YAML 1.1 and 1.2 read octal literals differently
        sources: [
          { secret: { name: 'edge-nats', items: [{ key: 'edge.creds', path: 'nats.creds' }] } },
          { secret: { name: 'bus-ca', items: [{ key: 'ca.crt', path: 'nats-ca.crt' }] } },
        ],
      },
    });
    expect(container(dep('edge')).volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'bus-credentials', mountPath: '/etc/switchboard/bus' }),
    );
    const router = env(container(dep('router')));
    expect(router).toMatchObject({
      SB_NATS_USER: 'router',
      SB_NATS_PASSWORD_FILE: '/etc/switchboard/bus/nats-password',
      SB_REDIS_USER: 'router',
      SB_REDIS_PASSWORD_FILE: '/etc/switchboard/bus/redis-password',
      SB_REDIS_CA_FILE: '/etc/switchboard/bus/redis-ca.crt',
    });
    expect(env(container(dep('presence')))).toMatchObject({
      SB_NATS_NKEY_SEED_FILE: '/etc/switchboard/bus/nats-nkey.seed',
      SB_REDIS_CERT_FILE: '/etc/switchboard/bus/redis-tls.crt',
      SB_REDIS_KEY_FILE: '/etc/switchboard/bus/redis-tls.key',
    });
    const api = env(container(dep('api')));
    expect(busVars(api).sort()).toEqual(['SB_NATS_CA_FILE', 'SB_NATS_CERT_FILE', 'SB_NATS_KEY_FILE']);
    // Every variable the chart may set is one the bus work defines, and the loader knows today's.
    const defined = [
      'SB_NATS_USER',
      'SB_NATS_PASSWORD_FILE',
      'SB_NATS_CREDS_FILE',
      'SB_NATS_NKEY_SEED_FILE',
      'SB_NATS_CA_FILE',
      'SB_NATS_CERT_FILE',
      'SB_NATS_KEY_FILE',
      'SB_REDIS_CA_FILE',
      'SB_REDIS_USER',
      'SB_REDIS_PASSWORD_FILE',
      'SB_REDIS_CERT_FILE',
      'SB_REDIS_KEY_FILE',
    ];
    for (const c of COMPONENTS) for (const v of busVars(env(container(dep(c))))) expect(defined).toContain(v);
    // The edge and the api have no Redis identity to give.
    await expect(render({ set: { 'edge.redisAuth.user': 'edge' } })).rejects.toThrow(/redisAuth/);
    await expect(render({ set: { 'router.natsAuth.password.secretName': 'x' } })).rejects.toThrow(/key/);
  });

  it('extraVolumes and extraVolumeMounts: for every component and per component', async () => {
    const objects = await render({
      set: {
        'extraVolumes[0].name': 'corp-ca',
        'extraVolumes[0].configMap.name': 'corp-ca',
        'extraVolumeMounts[0].name': 'corp-ca',
        'extraVolumeMounts[0].mountPath': '/etc/ssl/corp',
        'auth.extraVolumes[0].name': 'auth-extra',
        'auth.extraVolumes[0].emptyDir.medium': 'Memory',
        'auth.extraVolumeMounts[0].name': 'auth-extra',
        'auth.extraVolumeMounts[0].mountPath': '/var/auth',
      },
    });
    for (const c of COMPONENTS) {
      const d = find<Deployment>(objects, 'Deployment', `sb-switchboard-${c}`);
      const volumes = (d.spec.template.spec.volumes ?? []).map((v) => v.name);
      const mounts = (container(d).volumeMounts ?? []).map((m) => m.mountPath);
      expect(volumes).toContain('corp-ca');
      expect(mounts).toContain('/etc/ssl/corp');
      if (c === 'auth') expect(mounts).toContain('/var/auth');
      else expect(volumes).not.toContain('auth-extra');
    }
    expect((await validateManifests(objects)).filter((f) => !f.ok)).toEqual([]);
  });

  it('NetworkPolicy: NATS accepts only this release, and helm test reaches every component', async () => {
    type Policy = Manifest & {
      spec: { podSelector: Obj; ingress: Array<{ ports: Array<{ port: number | string }>; from?: Obj[] }> };
    };
    const objects = await render({
      values: [join(chart, 'ci/full-values.yaml')],
      set: { 'nats.enabled': true },
    });
    const nats = find<Policy>(objects, 'NetworkPolicy', 'sb-switchboard-nats');
    expect(nats.spec.podSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'sb' },
    });
    const client = nats.spec.ingress.find((r) => r.ports.some((p) => p.port === 4222));
    expect(client?.from).toEqual([
      {
        podSelector: {
          matchLabels: { 'app.kubernetes.io/name': 'switchboard', 'app.kubernetes.io/instance': 'sb' },
          matchExpressions: [
            {
              key: 'app.kubernetes.io/component',
              operator: 'In',
              values: ['edge', 'auth', 'router', 'presence', 'api'],
            },
          ],
        },
      },
    ]);
    const routes = nats.spec.ingress.find((r) => r.ports.some((p) => p.port === 6222));
    expect(routes?.from).toEqual([{ podSelector: nats.spec.podSelector }]);
    const testPod = find(objects, 'Pod', 'sb-switchboard-test') as Manifest & {
      metadata: { labels: Record<string, string> };
      spec: { enableServiceLinks?: boolean };
    };
    expect(testPod.spec.enableServiceLinks).toBe(false);
    for (const c of COMPONENTS) {
      const policy = find<Policy>(objects, 'NetworkPolicy', `sb-switchboard-${c}`);
      const admitsTest = policy.spec.ingress.filter((r) =>
        (r.from ?? []).some((peer) => {
          const labels = (peer['podSelector'] as { matchLabels?: Record<string, string> } | undefined)
            ?.matchLabels;
          return (
            labels !== undefined &&
            Object.entries(labels).every(([k, v]) => testPod.metadata.labels[k] === v) &&
            peer['namespaceSelector'] === undefined
          );
        }),
      );
      const ports = admitsTest.flatMap((r) => r.ports.map((p) => p.port));
      expect(ports, c).toContain('http');
      if (c === 'edge') expect(ports).toContain('ws');
    }
    expect((await validateManifests(objects)).filter((f) => !f.ok)).toEqual([]);
  });

  it('dependencies are vendored: the checkout renders offline, NATS 2.x with 3 nodes, Valkey with auth and a volume', async () => {
    const lock = parse(readFileSync(join(CHART_DIR, 'Chart.lock'), 'utf8')) as {
      dependencies: Array<{ name: string; version: string }>;
    };
    const nats = lock.dependencies.find((d) => d.name === 'nats');
    expect(nats?.version).toMatch(/^2\./);
    for (const d of lock.dependencies) {
      expect(readdirSync(join(CHART_DIR, 'charts'))).toContain(`${d.name}-${d.version}.tgz`);
    }
    // The checkout itself, not a staged copy: what `helm template ./helm/switchboard` sees.
    const objects = parseManifests(
      await helmTemplate(helm!, CHART_DIR, { set: { 'nats.enabled': true, 'valkey.enabled': true } }),
    );
    const sts = find(objects, 'StatefulSet', 'sb-nats') as Manifest & { spec: { replicas: number } };
    expect(sts.spec.replicas).toBe(3);
    const valkey = find(objects, 'Deployment', 'sb-valkey') as Manifest & {
      spec: { strategy: { type: string }; template: { spec: PodSpec } };
    };
    expect(valkey.spec.strategy.type).toBe('Recreate');
    expect(JSON.stringify(valkey.spec.template.spec.volumes)).toContain('persistentVolumeClaim');
    expect(JSON.stringify(valkey.spec.template.spec.volumes)).toContain('sb-valkey-users');
    expect(find(objects, 'PersistentVolumeClaim', 'sb-valkey')).toBeDefined();
    const config = find(objects, 'ConfigMap', 'sb-valkey-config') as Manifest & {
      data: Record<string, string>;
    };
    expect(Object.values(config.data).join('\n')).toContain('maxmemory-policy noeviction');
  });

  it('values the API server would take but that cannot work are refused, naming the key to fix', async () => {
    const hpa = { 'edge.autoscaling.enabled': true, 'serviceMonitor.enabled': true };
    await expect(
      render({ set: { ...hpa, 'edge.autoscaling.minReplicas': 5, 'edge.autoscaling.maxReplicas': 3 } }),
    ).rejects.toThrow(
      /edge\.autoscaling\.minReplicas \(5\) is greater than edge\.autoscaling\.maxReplicas \(3\)/,
    );
    await expect(
      render({ set: { 'router.autoscaling.enabled': true, 'router.autoscaling.minReplicas': 11 } }),
    ).rejects.toThrow(
      /router\.autoscaling\.minReplicas \(11\) is greater than router\.autoscaling\.maxReplicas \(10\)/,
    );
    await expect(
      render({ set: { ...hpa, 'edge.autoscaling.targetConnectionsPerPod': 12000 } }),
    ).rejects.toThrow(/targetConnectionsPerPod \(12000\) is above the default SB_MAX_CONNECTIONS \(10000\)/);
    await expect(
      render({
        set: {
          ...hpa,
          'edge.config.SB_MAX_CONNECTIONS': 3000,
          'edge.autoscaling.targetConnectionsPerPod': 4000,
        },
      }),
    ).rejects.toThrow(/above edge\.config\.SB_MAX_CONNECTIONS \(3000\)/);
    await expect(render({ set: { 'edge.drain.windowSeconds': 0 } })).rejects.toThrow(
      /edge\/drain\/windowSeconds/,
    );
    await expect(render({ set: { ...hpa, 'edge.autoscaling.scaleDown.periodSeconds': 30 } })).rejects.toThrow(
      /edge\.autoscaling\.scaleDown\.periodSeconds \(30\) is shorter than the edge pods' termination grace period \(55 s\)/,
    );
    // Autoscaling on a metric nothing scrapes would never scale: a ServiceMonitor, or say so.
    await expect(render({ set: { 'edge.autoscaling.enabled': true } })).rejects.toThrow(
      /serviceMonitor\.enabled=true, or edge\.autoscaling\.metricsScrapedElsewhere=true/,
    );
    const elsewhere = await render({
      set: { 'edge.autoscaling.enabled': true, 'edge.autoscaling.metricsScrapedElsewhere': true },
    });
    expect(find(elsewhere, 'HorizontalPodAutoscaler', 'sb-switchboard-edge')).toBeDefined();
    await expect(render({ set: { 'auth.pdb.minAvailable': 2 } })).rejects.toThrow(
      /auth\.pdb\.minAvailable \(2\)/,
    );
  });

  it('a setting the chart owns is reported at its own key, not at another component', async () => {
    const error = await render({ set: { 'config.SB_BUS': 'memory' } }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(error).toMatch(/SB_BUS/);
    expect(error).toMatch(/'\/config'/);
    expect(error).not.toMatch(/'\/(edge|auth|router|presence|api)'/);
    const perComponent = await render({ set: { 'presence.config.SB_STORE': 'memory' } }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(perComponent).toMatch(/'\/presence\/config'/);
  });

  it('rollout pacing: the default rollout drains one edge per drain window', async () => {
    const objects = await render();
    const edge = find<Deployment>(objects, 'Deployment', 'sb-switchboard-edge');
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      edge: { drain: { windowSeconds: number }; autoscaling: { maxReplicas: number } };
    };
    const window = values.edge.drain.windowSeconds;
    // Edges stopped per rollout step, and steps within one drain window, at the largest size.
    const replicas = values.edge.autoscaling.maxReplicas;
    const resolve = (v: number | string | undefined, roundUp: boolean) =>
      typeof v === 'string'
        ? (roundUp ? Math.ceil : Math.floor)((Number.parseInt(v, 10) / 100) * replicas)
        : (v ?? 0);
    const perStep =
      resolve(edge.spec.strategy?.rollingUpdate?.maxSurge, true) +
      resolve(edge.spec.strategy?.rollingUpdate?.maxUnavailable, false);
    const stepsPerWindow = Math.ceil(window / Math.max(edge.spec.minReadySeconds ?? 0, 1));
    expect(perStep * stepsPerWindow).toBeLessThanOrEqual(1);
    // A longer drain window slows the rollout with it.
    const longer = await render({ set: { 'edge.drain.windowSeconds': 120 } });
    expect(find<Deployment>(longer, 'Deployment', 'sb-switchboard-edge').spec.minReadySeconds).toBe(120);
  });

  it('NOTES.txt mints test tokens with the CLI the image ships (switchboard.mjs)', async () => {
    const notes = readFileSync(join(chart, 'templates/NOTES.txt'), 'utf8');
    expect(notes).not.toContain('token.mjs');
    expect(notes).toContain('/app/switchboard.mjs token');
    expect(ENTRIES['switchboard']).toBeDefined();
  });

  it('the image is built on a supported Node (24)', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(/ARG NODE_IMAGE=node:(\d+)/.exec(dockerfile)?.[1]).toBe('24');
  });

  it('docs/kubernetes.md: no --reuse-values, alerts only on label values the edge emits', () => {
    const doc = readFileSync(join(ROOT, 'docs/kubernetes.md'), 'utf8');
    // --reuse-values skips new chart defaults: no command in the guide uses it.
    const commands = doc.split('\n').filter((line) => /^\s*(helm|kubectl) /.test(line));
    expect(commands.filter((line) => line.includes('--reuse-values'))).toEqual([]);
    const edgeDir = join(ROOT, 'packages/edge/src');
    const edgeSource = readdirSync(edgeDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(edgeDir, f), 'utf8'))
      .join('\n');
    const emitted = new Set([
      'accepted',
      ...[...edgeSource.matchAll(/result: '(\w+)'/g)].map((m) => `rejected_${m[1]}`),
    ]);
    const matchers = [...doc.matchAll(/upgrades_total\{result(=~|!~|=|!=)"([^"]+)"\}/g)];
    expect(matchers.length).toBeGreaterThan(0);
    for (const [, op, value] of matchers) {
      const re = new RegExp(`^(?:${value})$`);
      const hits = [...emitted].filter((v) => (op!.includes('~') ? re.test(v) : v === value));
      // An alert must be able to select something and must not select everything.
      if (op === '=' || op === '=~') expect(hits.length, `${op}"${value}"`).toBeGreaterThan(0);
      else expect(hits.length, `${op}"${value}"`).toBeLessThan(emitted.size);
    }
  });

  it('the chart starts roles the production bundle has', () => {
    for (const c of COMPONENTS) {
      expect(ENTRIES[c], `scripts/bundle.ts has no entry for ${c}`).toBeDefined();
      expect(ROLES).toContain(c);
    }
  });
});

/**
 * The chart against a real kube-apiserver (scripts/k8s-chart-test.sh starts one and runs this
 * with KUBECONFIG, K8S_SERVER, K8S_TOKEN set and NODE_EXTRA_CA_CERTS trusting it). No
 * controllers run, so no pod is ever created: what is checked is what the API server itself
 * decides — schemas (built-in and the upstream CRDs), strict field validation, admission (Pod
 * Security "restricted"), and what helm install / upgrade / rollback change.
 *
 *   1. CRDs for ServiceMonitor, PrometheusRule, ScaledObject and HTTPRoute (scripts/k8s/crds);
 *   2. a namespace enforcing Pod Security "restricted";
 *   3. every value set (defaults and helm/switchboard/ci/*-values.yaml), rendered for the oldest
 *      and the newest Kubernetes version the chart claims, applied with a server-side dry-run
 *      (strict field validation; Pod Security warnings count as failures);
 *   4. helm install → a no-op helm upgrade leaves every Deployment's generation alone → rotating
 *      the API keys changes the api's pod template and not the edge's → helm rollback.
 *
 * Usage: tsx scripts/k8s-chart-test.ts HELM CHART_DIR
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const [helm, chart] = process.argv.slice(2);
const server = process.env['K8S_SERVER'];
const token = process.env['K8S_TOKEN'];
if (!helm || !chart || !server || !token) {
  process.stderr.write('usage: K8S_SERVER=… K8S_TOKEN=… tsx scripts/k8s-chart-test.ts HELM CHART_DIR\n');
  process.exit(2);
}
const CRDS = join(import.meta.dirname, 'k8s', 'crds');
const NAMESPACE = 'realtime';
const FIELD_MANAGER = 'switchboard-chart-test';

type Obj = Record<string, unknown>;
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; [k: string]: unknown };
  spec?: Obj;
  status?: Obj;
  data?: Record<string, string>;
}

interface Response {
  status: number;
  body: Obj;
  warnings: string[];
}

async function request(method: string, path: string, body?: string, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(`${server}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: Obj = {};
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    parsed = { message: text };
  }
  const warning = res.headers.get('warning');
  return { status: res.status, body: parsed, warnings: warning ? [warning] : [] };
}

/** kind → REST resource, learnt from discovery (per group/version). */
const resources = new Map<string, { plural: string; namespaced: boolean }>();
async function resourceOf(
  apiVersion: string,
  kind: string,
): Promise<{ plural: string; namespaced: boolean }> {
  const key = `${apiVersion}/${kind}`;
  const known = resources.get(key);
  if (known) return known;
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const res = await request('GET', base);
  assert.equal(res.status, 200, `discovery of ${apiVersion}: ${JSON.stringify(res.body)}`);
  for (const r of res.body['resources'] as Array<{ name: string; kind: string; namespaced: boolean }>) {
    if (!r.name.includes('/'))
      resources.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
  }
  const found = resources.get(key);
  if (!found) throw new Error(`the API server serves no ${kind} in ${apiVersion}`);
  return found;
}

async function objectPath(o: KubeObject): Promise<string> {
  const { plural, namespaced } = await resourceOf(o.apiVersion, o.kind);
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = namespaced ? `/namespaces/${o.metadata.namespace ?? NAMESPACE}` : '';
  return `${base}${ns}/${plural}/${o.metadata.name}`;
}

/** Server-side apply (kubectl apply --server-side), optionally as a dry run. */
async function apply(o: KubeObject, dryRun: boolean): Promise<Response> {
  const query = new URLSearchParams({
    fieldManager: FIELD_MANAGER,
    fieldValidation: 'Strict',
    force: 'true',
  });
  if (dryRun) query.set('dryRun', 'All');
  return request(
    'PATCH',
    `${await objectPath(o)}?${query}`,
    JSON.stringify(o),
    'application/apply-patch+yaml',
  );
}

async function get<T = KubeObject>(path: string): Promise<T> {
  const res = await request('GET', path);
  assert.equal(res.status, 200, `GET ${path}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/**
 * The objects of a multi-document manifest, read as Kubernetes reads YAML (1.1: `0555` is an
 * octal file mode, not 555), each with the template it came from (helm's `# Source:` comment).
 */
function parse(yaml: string): KubeObject[] {
  return parseWithSource(yaml).map(([o]) => o);
}
function parseWithSource(yaml: string): Array<[KubeObject, string]> {
  return parseAllDocuments(yaml, { version: '1.1' })
    .map((d): [KubeObject | null, string] => [
      d.toJS() as KubeObject | null,
      /Source: (\S+)/.exec(`${d.commentBefore ?? ''} ${d.contents?.commentBefore ?? ''}`)?.[1] ?? '',
    ])
    .filter((e): e is [KubeObject, string] => e[0] !== null && typeof e[0] === 'object' && 'kind' in e[0]);
}

/**
 * Objects of the dependency charts that do not pass Pod Security "restricted" and that no value
 * can fix: the Valkey chart's `helm test` pods set no securityContext. docs/kubernetes.md tells
 * users to run `helm test --filter name=<release>-switchboard-test` in restricted namespaces.
 */
const KNOWN_UNRESTRICTED = /^switchboard\/charts\/valkey\/templates\/tests\//;

async function helmRun(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(helm!, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`helm ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

function step(name: string): void {
  process.stdout.write(`k8s-chart-test: ${name}\n`);
}

/** The oldest Kubernetes the chart claims (Chart.yaml kubeVersion ">=X") and the server's own. */
function kubeVersions(serverVersion: string): string[] {
  const chartYaml = readFileSync(join(chart!, 'Chart.yaml'), 'utf8');
  const oldest = /kubeVersion:\s*"?>=\s*v?(\d+\.\d+)\.\d+/.exec(chartYaml)?.[1];
  assert.ok(oldest, 'Chart.yaml has no kubeVersion ">=x.y.z"');
  return [`${oldest}.0`, serverVersion.replace(/^v/, '')];
}

async function installCrds(): Promise<void> {
  for (const file of readdirSync(CRDS).filter((f) => f.endsWith('.yaml'))) {
    for (const crd of parse(readFileSync(join(CRDS, file), 'utf8'))) {
      const res = await apply(crd, false);
      assert.ok(res.status < 300, `CRD ${file}: ${JSON.stringify(res.body)}`);
      const path = await objectPath(crd);
      for (let i = 0; ; i++) {
        const status = (await get(path)).status as { conditions?: Array<{ type: string; status: string }> };
        if (status.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
        assert.ok(i < 100, `CRD ${crd.metadata.name} never became Established`);
        await new Promise((r) => setTimeout(r, 100));
      }
      step(`CRD ${crd.metadata.name} established`);
    }
  }
  resources.clear();
}

async function createNamespace(): Promise<void> {
  const ns: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: NAMESPACE,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        // Workloads are not pods: "enforce" checks pods only, "warn" reports on their templates.
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
    },
  };
  const res = await apply(ns, false);
  assert.ok(res.status < 300, `namespace: ${JSON.stringify(res.body)}`);
  // What the controller manager (not running here) creates in every namespace: pods without a
  // serviceAccountName are admitted only once it exists.
  const sa: KubeObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default', namespace: NAMESPACE },
  };
  const saRes = await apply(sa, false);
  assert.ok(saRes.status < 300, `default service account: ${JSON.stringify(saRes.body)}`);
}

/** Renders one value set for one Kubernetes version and dry-runs every object on the server. */
async function dryRun(valueSet: string, kubeVersion: string): Promise<void> {
  const args = ['template', 'sb', chart!, '--namespace', NAMESPACE, '--kube-version', kubeVersion];
  if (valueSet !== 'default') args.push('--values', join(chart!, 'ci', `${valueSet}-values.yaml`));
  const objects = parseWithSource(await helmRun(args));
  const problems: string[] = [];
  const excused: string[] = [];
  for (const [o, source] of objects) {
    const res = await apply(o, true);
    const name = `${o.kind}/${o.metadata.name}`;
    const found = [
      ...(res.status >= 300 ? [`${name}: ${String(res.body['message'])}`] : []),
      ...res.warnings.map((w) => `${name}: warning: ${w}`),
    ];
    const podSecurityOnly = found.every((f) => f.includes('PodSecurity "restricted'));
    if (found.length > 0 && KNOWN_UNRESTRICTED.test(source) && podSecurityOnly) excused.push(name);
    else problems.push(...found);
  }
  assert.deepEqual(problems, [], `${valueSet} values for Kubernetes ${kubeVersion}`);
  const note = excused.length > 0 ? ` (refused by Pod Security, known: ${excused.join(', ')})` : '';
  step(
    `dry-run ${valueSet} values for Kubernetes ${kubeVersion}: ${objects.length - excused.length} objects accepted${note}`,
  );
}

type Workload = KubeObject & { spec: { template: Obj } };
/** The release's Deployments and StatefulSets (the dependencies' too), by name. */
async function workloads(): Promise<Map<string, Workload>> {
  const found = new Map<string, Workload>();
  for (const kind of ['deployments', 'statefulsets']) {
    const list = await get<{ items: Workload[] }>(
      `/apis/apps/v1/namespaces/${NAMESPACE}/${kind}?labelSelector=app.kubernetes.io/instance%3Dsb`,
    );
    for (const w of list.items) found.set(`${kind}/${w.metadata.name}`, w);
  }
  return found;
}
function generations(ws: Map<string, Workload>): Record<string, number | undefined> {
  return Object.fromEntries([...ws].map(([name, w]) => [name, w.metadata.generation]));
}
async function secretData(name: string): Promise<Record<string, string> | undefined> {
  return (await get<KubeObject>(`/api/v1/namespaces/${NAMESPACE}/secrets/${name}`)).data;
}

async function lifecycle(): Promise<void> {
  // The values of a first install: everything generated by the chart, Valkey and NATS included.
  const base = ['--namespace', NAMESPACE, '--set', 'valkey.enabled=true', '--set', 'nats.enabled=true'];
  await helmRun(['install', 'sb', chart!, ...base]);
  const installed = await workloads();
  assert.deepEqual([...installed.keys()].sort(), [
    'deployments/sb-switchboard-api',
    'deployments/sb-switchboard-auth',
    'deployments/sb-switchboard-edge',
    'deployments/sb-switchboard-presence',
    'deployments/sb-switchboard-router',
    'deployments/sb-valkey',
    'statefulsets/sb-nats',
  ]);
  const jwt = await secretData('sb-switchboard-jwt');
  const apiKeys = await secretData('sb-switchboard-api-keys');
  const valkey = await secretData('sb-valkey-users');
  assert.ok(jwt?.['jwt-secrets'] && apiKeys?.['api-keys'] && valkey?.['default'], 'generated Secrets');
  step(`helm install: ${installed.size} workloads, generated Secrets present`);

  // A no-op upgrade (same values, as Argo CD or a CI pipeline would run it) changes nothing.
  await helmRun(['upgrade', 'sb', chart!, ...base]);
  const upgraded = await workloads();
  assert.deepEqual(generations(upgraded), generations(installed), 'a no-op upgrade changed a pod template');
  assert.deepEqual(await secretData('sb-switchboard-jwt'), jwt, 'the JWT secret was regenerated');
  assert.deepEqual(await secretData('sb-switchboard-api-keys'), apiKeys, 'the API keys were regenerated');
  assert.deepEqual(await secretData('sb-valkey-users'), valkey, 'the Valkey password was regenerated');
  step('no-op helm upgrade: every generation unchanged, generated Secrets kept');

  // New API keys restart the api only: no edge drains, no client reconnects.
  const newKey = 'rotated-api-key-0123456789abcdef0123456789abcdef';
  await helmRun(['upgrade', 'sb', chart!, ...base, '--set', `apiKeys.keys[0]=${newKey}`]);
  const rotated = await workloads();
  const edge = 'deployments/sb-switchboard-edge';
  const api = 'deployments/sb-switchboard-api';
  assert.deepEqual(
    rotated.get(edge)?.spec.template,
    installed.get(edge)?.spec.template,
    'edge pod template changed',
  );
  assert.equal(rotated.get(edge)?.metadata.generation, installed.get(edge)?.metadata.generation);
  for (const name of [...installed.keys()].filter((n) => n !== api)) {
    assert.equal(rotated.get(name)?.metadata.generation, installed.get(name)?.metadata.generation, name);
  }
  assert.ok(
    (rotated.get(api)?.metadata.generation ?? 0) > (installed.get(api)?.metadata.generation ?? 0),
    'the api did not roll on new API keys',
  );
  assert.equal(
    Buffer.from((await secretData('sb-switchboard-api-keys'))?.['api-keys'] ?? '', 'base64').toString(),
    newKey,
  );
  step('API-key rotation: api rolled, every other pod template unchanged');

  await helmRun(['rollback', 'sb', '1', '--namespace', NAMESPACE]);
  const rolledBack = await workloads();
  assert.deepEqual(
    await secretData('sb-switchboard-api-keys'),
    apiKeys,
    'rollback restores the generated keys',
  );
  assert.deepEqual(rolledBack.get(api)?.spec.template, installed.get(api)?.spec.template);
  assert.equal(rolledBack.get(edge)?.metadata.generation, installed.get(edge)?.metadata.generation);
  step('helm rollback: API keys and api pod template restored, edge untouched');
  await helmRun(['uninstall', 'sb', '--namespace', NAMESPACE]);
}

async function main(): Promise<void> {
  const started = Date.now();
  const version = (await get<{ gitVersion: string }>('/version')).gitVersion;
  step(`kube-apiserver ${version}`);
  await installCrds();
  await createNamespace();
  const sets = [
    'default',
    ...readdirSync(join(chart!, 'ci')).flatMap((f) => /^(.+)-values\.yaml$/.exec(f)?.[1] ?? []),
  ];
  for (const kubeVersion of kubeVersions(version)) {
    for (const set of sets) await dryRun(set, kubeVersion);
  }
  await lifecycle();
  step(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`k8s-chart-test: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

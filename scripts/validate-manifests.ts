/**
 * Validates rendered Kubernetes manifests against the Kubernetes OpenAPI schemas, offline:
 * the `kubernetes-models` packages carry each kind's schema compiled to a validator (built-in
 * kinds, and the KEDA, Prometheus Operator and Gateway API custom resources the chart renders).
 * Required fields, types, enums and formats are checked; these schemas accept unknown fields,
 * which scripts/k8s-strict (the API's own Go types, strict decoding) catches instead.
 *
 * Usage: tsx scripts/validate-manifests.ts FILE... — exit 1 when a document is invalid or of a
 * kind without a schema here.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** apiVersion group → the package holding its models (`<package>/<group>/<version>/<Kind>`). */
const CUSTOM_GROUPS: Readonly<Record<string, string>> = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
};

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

export interface Finding {
  /** `Kind/name` (and the file it came from, when known). */
  object: string;
  ok: boolean;
  message?: string;
}

function modulePath(apiVersion: string, kind: string): string {
  if (!/^[A-Za-z0-9]+$/.test(kind)) throw new Error(`bad kind "${kind}"`);
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `kubernetes-models/${apiVersion}/${kind}`;
  const group = apiVersion.slice(0, slash);
  const pkg = CUSTOM_GROUPS[group] ?? 'kubernetes-models';
  return `${pkg}/${apiVersion}/${kind}`;
}

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modulePath(apiVersion, kind))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const found = mod[kind] ?? mod['default'];
  return typeof found === 'function' ? (found as ModelClass) : undefined;
}

/** Parses multi-document YAML into manifests (empty documents dropped). */
export function parseManifests(text: string): Manifest[] {
  const docs = parseAllDocuments(text);
  const out: Manifest[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(value as Manifest);
  }
  return out;
}

export async function validateManifests(manifests: readonly Manifest[], source = ''): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const m of manifests) {
    const object = `${source ? `${source} ` : ''}${m.kind}/${m.metadata?.name}`;
    if (typeof m.apiVersion !== 'string' || typeof m.kind !== 'string') {
      findings.push({ object, ok: false, message: 'apiVersion and kind are required' });
      continue;
    }
    const Model = await modelClass(m.apiVersion, m.kind);
    if (!Model) {
      findings.push({ object, ok: false, message: `no schema for ${m.apiVersion} ${m.kind}` });
      continue;
    }
    try {
      new Model(m).validate();
      findings.push({ object, ok: true });
    } catch (error) {
      findings.push({ object, ok: false, message: (error as Error).message });
    }
  }
  return findings;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: tsx scripts/validate-manifests.ts FILE...\n');
    process.exit(2);
  }
  let failed = 0;
  let checked = 0;
  for (const file of files) {
    const findings = await validateManifests(parseManifests(await readFile(file, 'utf8')), file);
    for (const f of findings) {
      checked++;
      if (!f.ok) {
        failed++;
        process.stdout.write(`FAIL ${f.object}: ${f.message}\n`);
      }
    }
  }
  process.stdout.write(`kubernetes-models: ${checked} checked, ${failed} failed\n`);
  process.exit(failed > 0 ? 1 : 0);
}

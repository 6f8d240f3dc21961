/**
 * Memory per idle connection: the server runs as a child process (--expose-gc, inspector on
 * loopback); this process opens N authenticated connections, each joined to a room, and
 * leaves them idle. The server is only asked, never changed: RSS and V8 used heap come from
 * its /metrics (prom-client's process_resident_memory_bytes and nodejs_heap_size_used_bytes),
 * read before and after. Before each reading a full GC is forced over the inspector protocol
 * (HeapProfiler.collectGarbage; --no-gc skips it), then /metrics is sampled a few times and
 * the minimum kept. Baseline in the same run: a bare `ws` server holding N idle connections
 * (bench/naive-server.ts), measured the same way.
 *
 *   pnpm bench:memory [-- --connections 5000 --rooms 1 --batch 250 --settle-ms 2000
 *                         --cookie-bytes 0 --only switchboard|naive-ws --no-gc --heap-snapshot]
 *
 * --heap-snapshot diffs two V8 heap snapshots of the server (before/after) by constructor, to
 * show where the bytes per connection go. Prints figures; exits non-zero only on errors.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET, mintToken } from '@switchboard/auth';
import { SUBPROTOCOL } from '@switchboard/protocol';
import {
  bytes,
  codeVersion,
  Inspector,
  inBatches,
  RawMember,
  ratio,
  type ServerKind,
  type ServerProcess,
  scrape,
  sleep,
  startServer,
  watchdog,
} from './lib.js';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    rooms: { type: 'string', default: '1' },
    batch: { type: 'string', default: '250' },
    'settle-ms': { type: 'string', default: '2000' },
    samples: { type: 'string', default: '5' },
    only: { type: 'string' },
    'no-gc': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'boolean', default: false },
    'target-kb': { type: 'string', default: '8' },
    'cookie-bytes': { type: 'string', default: '0' },
  },
  allowPositionals: false,
});

const N = Number(args.connections);
const ROOMS = Math.max(1, Number(args.rooms));
const BATCH = Number(args.batch);
const SETTLE_MS = Number(args['settle-ms']);
const SAMPLES = Number(args.samples);
const FORCE_GC = !args['no-gc'];
const SNAPSHOT = args['heap-snapshot'];
const TARGET_BYTES = Number(args['target-kb']) * 1024;
/** Optional Cookie header on each upgrade request, as browsers send (0 = none). */
const COOKIE_BYTES = Number(args['cookie-bytes']);
const EXTRA_HEADERS = COOKIE_BYTES > 0 ? `Cookie: session=${'c'.repeat(COOKIE_BYTES)}\r\n` : '';
const WARMUP_CONNECTIONS = 100;
const ALL_KINDS: ServerKind[] = ['naive-ws', 'switchboard'];
const kinds =
  args.only === undefined ? ALL_KINDS : ALL_KINDS.filter((k) => args.only?.split(',').includes(k));
if (kinds.length === 0) throw new Error(`--only takes a comma-separated list of: ${ALL_KINDS.join(', ')}`);

interface Reading {
  rss: number;
  heap: number;
}

interface Result {
  kind: ServerKind;
  before: Reading;
  after: Reading;
  openS: number;
  open: number;
  serverConnections: number | undefined;
  snapshotDiff: Array<{ name: string; count: number; size: number }> | undefined;
}

function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    return Number(line?.split(/\s+/)[3] ?? Number.POSITIVE_INFINITY);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Forces a GC (when enabled), then the minimum of a few /metrics samples. */
async function read(server: ServerProcess, inspector: Inspector | undefined): Promise<Reading> {
  let rss = Number.POSITIVE_INFINITY;
  let heap = Number.POSITIVE_INFINITY;
  for (let i = 0; i < SAMPLES; i++) {
    if (inspector) await inspector.collectGarbage();
    await sleep(200);
    const samples = await scrape(server);
    rss = Math.min(rss, samples.get('process_resident_memory_bytes') ?? Number.NaN);
    heap = Math.min(heap, samples.get('nodejs_heap_size_used_bytes') ?? Number.NaN);
  }
  return { rss, heap };
}

async function run(kind: ServerKind): Promise<Result> {
  const server = await startServer(kind, {
    nodeFlags: ['--expose-gc'],
    inspect: FORCE_GC || SNAPSHOT,
  });
  const inspector = server.inspectPort !== undefined ? await Inspector.attach(server.inspectPort) : undefined;
  const log = (text: string) => process.stderr.write(`[${kind}] ${text}\n`);
  const open = (i: number) =>
    RawMember.member(
      server.wsUrl,
      SUBPROTOCOL,
      mintToken(DEV_JWT_SECRET, { user: `u${i}`, join: ['*'], publish: [] }),
      `idle-${i % ROOMS}`,
      EXTRA_HEADERS,
    );
  try {
    // Warm-up: the code paths of connect and join get compiled before the "before" reading.
    const warm = await inBatches(WARMUP_CONNECTIONS, BATCH, (i) => open(N + i));
    for (const member of warm) member.close();
    await sleep(1_000);
    const before = await read(server, inspector);
    const snapshotBefore = SNAPSHOT && inspector ? await heapSummary(inspector) : undefined;

    const start = performance.now();
    const members = await inBatches(N, BATCH, open);
    const openS = (performance.now() - start) / 1000;
    log(`${N} connections open and joined in ${openS.toFixed(1)} s; settling`);
    await sleep(SETTLE_MS);
    const after = await read(server, inspector);
    const snapshotAfter = SNAPSHOT && inspector ? await heapSummary(inspector) : undefined;
    const metrics = await scrape(server);
    const gauge = metrics.get('switchboard_edge_connections') ?? metrics.get('naive_connections');
    const stillOpen = members.filter((m) => !m.closed).length;
    for (const member of members) member.close();
    return {
      kind,
      before,
      after,
      openS,
      open: stillOpen,
      serverConnections: gauge,
      snapshotDiff:
        snapshotBefore && snapshotAfter ? diffSummaries(snapshotBefore, snapshotAfter) : undefined,
    };
  } finally {
    inspector?.close();
    await server.stop();
  }
}

// ---- heap snapshots --------------------------------------------------------------------------

type Summary = Map<string, { count: number; size: number }>;

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Takes a heap snapshot over the inspector and sums self sizes by kind and constructor. */
async function heapSummary(inspector: Inspector): Promise<Summary> {
  await inspector.collectGarbage();
  const chunks: string[] = [];
  inspector.onEvent = (method, params) => {
    if (method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(params['chunk'] as string);
  };
  await inspector.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  inspector.onEvent = undefined;
  const snapshot = JSON.parse(chunks.join('')) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const summary: Summary = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? '?';
    const name = snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '?';
    let key: string;
    if (type === 'object' || type === 'closure' || type === 'native') key = `${name} (${type})`;
    else if (type.includes('string')) key = '(strings)';
    else if (type === 'hidden' || type === 'array' || type === 'object shape') key = `${name} (${type})`;
    else key = `(${type})`;
    const entry = summary.get(key);
    const size = snapshot.nodes[i + sizeAt]!;
    if (entry) {
      entry.count++;
      entry.size += size;
    } else summary.set(key, { count: 1, size });
  }
  return summary;
}

function diffSummaries(
  before: Summary,
  after: Summary,
): Array<{ name: string; count: number; size: number }> {
  const out: Array<{ name: string; count: number; size: number }> = [];
  for (const [name, a] of after) {
    const b = before.get(name) ?? { count: 0, size: 0 };
    out.push({ name, count: a.count - b.count, size: a.size - b.size });
  }
  return out.sort((x, y) => y.size - x.size);
}

// ---- report ----------------------------------------------------------------------------------

function report(results: Result[]): number {
  const lines: string[] = [''];
  lines.push(
    `memory: ${N} idle connections, authenticated, joined to ${ROOMS === 1 ? 'one room' : `${ROOMS} rooms`}; ` +
      `${COOKIE_BYTES > 0 ? `${COOKIE_BYTES} B Cookie header on each upgrade; ` : ''}` +
      `${FORCE_GC ? 'full GC forced (inspector) before each reading, ' : ''}min of ${SAMPLES} samples; ` +
      `${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, ${codeVersion()}`,
  );
  lines.push(
    `  ${'server'.padEnd(13)}${'RSS before'.padEnd(13)}${'RSS after'.padEnd(13)}${'heap before'.padEnd(13)}` +
      `${'heap after'.padEnd(13)}${'RSS/conn'.padEnd(12)}${'heap/conn'.padEnd(12)}open`,
  );
  for (const r of results) {
    lines.push(
      `  ${r.kind.padEnd(13)}${bytes(r.before.rss).padEnd(13)}${bytes(r.after.rss).padEnd(13)}` +
        `${bytes(r.before.heap).padEnd(13)}${bytes(r.after.heap).padEnd(13)}` +
        `${bytes((r.after.rss - r.before.rss) / N).padEnd(12)}${bytes((r.after.heap - r.before.heap) / N).padEnd(12)}` +
        `${r.open}/${N} (server says ${r.serverConnections ?? '?'}), opened in ${r.openS.toFixed(1)} s`,
    );
  }
  const sb = results.find((r) => r.kind === 'switchboard');
  const naive = results.find((r) => r.kind === 'naive-ws');
  const perConn = (r: Result, key: keyof Reading) => (r.after[key] - r.before[key]) / N;
  if (sb && naive) {
    lines.push(
      `switchboard RSS/conn ${bytes(perConn(sb, 'rss'))} vs naive-ws ${bytes(perConn(naive, 'rss'))} ` +
        `(${ratio(perConn(sb, 'rss'), perConn(naive, 'rss'))}); heap/conn ${bytes(perConn(sb, 'heap'))} vs ` +
        `${bytes(perConn(naive, 'heap'))} (${ratio(perConn(sb, 'heap'), perConn(naive, 'heap'))})`,
    );
  }
  if (sb) {
    const rss = perConn(sb, 'rss');
    lines.push(
      `target: < ${bytes(TARGET_BYTES)} per idle connection (RSS) — ${rss < TARGET_BYTES ? 'MET' : 'NOT MET'} ` +
        `(${bytes(rss)}; heap alone ${bytes(perConn(sb, 'heap'))})`,
    );
  }
  if (SNAPSHOT) {
    lines.push(
      '  (with --heap-snapshot the RSS figures are not comparable: taking a snapshot leaves native memory behind)',
    );
  }
  for (const r of results) {
    if (!r.snapshotDiff) continue;
    lines.push(`heap snapshot diff of ${r.kind} (self size, after − before, per connection):`);
    for (const d of r.snapshotDiff.slice(0, 20)) {
      lines.push(
        `  ${bytes(d.size / N).padStart(10)}  ${(d.count / N).toFixed(2).padStart(6)} objects  ${d.name}`,
      );
    }
  }
  let failed = false;
  for (const r of results) {
    if (r.open !== N) {
      failed = true;
      lines.push(`ERROR (${r.kind}): only ${r.open} of ${N} connections stayed open`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed ? 1 : 0;
}

watchdog(175_000, 'bench/memory');
const limit = openFilesLimit();
if (N + 200 > limit) {
  process.stderr.write(
    `bench/memory: ${N} connections need more open files than the limit (${limit}); ` +
      'raise it (ulimit -n) or pass --connections\n',
  );
  process.exit(1);
}
const results: Result[] = [];
try {
  for (const kind of kinds) results.push(await run(kind));
} catch (error) {
  process.stderr.write(`bench/memory failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
process.exit(report(results));

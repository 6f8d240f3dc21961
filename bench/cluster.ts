/**
 * `pnpm bench:cluster` — the cluster-mode benchmark: Switchboard as real processes (2 edges,
 * auth, router, presence, nats-server, redis-server) against two Centrifugo v6 nodes + Redis
 * and two Socket.IO 4 nodes + @socket.io/redis-adapter, in the same run, with the same lean
 * client (`RawMember`), on loopback. Per system, in order:
 *
 *   (a) connect storm: N connections, each with its own HS256 token, each joining 1 of R rooms;
 *       CPU-seconds of every process of the system (per-process split).
 *   (d) memory per idle connection: RSS of every process, after a GC, before and after (a).
 *   (e) authenticated connects: N connections, each with its own token, no room; CPU per
 *       connect and connects/s per core of the processes that terminate the WebSockets.
 *   (b) small rooms: 200 rooms × 10 members, 1,000 publishes/s for 20 s; CPU per delivery and
 *       per publish, p50/p99 publish → deliver over every delivery.
 *   (c) fan-out: 2,000 members in one room, 20 messages/s; p99 and CPU per delivery.
 *
 * See bench/README.md. Flags: --help.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { mintToken } from '@switchboard/auth';
import jwt from 'jsonwebtoken';
import { DIALECTS, type Dialect, forEachDelivery, type SystemName } from './cluster-dialects.js';
import {
  type CpuWindow,
  cpuWindow,
  memory,
  type ProcessProfile,
  profileDuring,
  waitIdle,
} from './cluster-measure.js';
import {
  BENCH_SECRET,
  centrifugoBinary,
  type RunningSystem,
  type SystemOptions,
  startBareWs,
  startCentrifugo,
  startSocketio,
  startSwitchboard,
} from './cluster-systems.js';
import { codeVersion, inBatches, percentile, type RawMember, sleep, waitForQuiet, watchdog } from './lib.js';

const usage = `pnpm bench:cluster [-- flags]

  --connects 10000        (a) connections opened, each with its own token
  --rooms 100             (a) rooms they join (connection i joins room i mod rooms)
  --small-rooms 200       (b) rooms ...
  --room-size 10          (b) ... of this many members; member 0 of each room publishes
  --rate 1000             (b) publishes per second, over all rooms
  --seconds 20            (b) measured seconds (after 2 s of warm-up)
  --fanout-members 2000   (c) members of the fan-out room
  --fanout-rate 20        (c) messages per second
  --fanout-messages 200   (c) measured messages (after 20 warm-up ones)
  --batch 200             connections opened concurrently
  --only switchboard,centrifugo,socketio,ws
                          (ws: a bare ws server, the connect workload's floor; connect only)
  --workloads connect,auth,small,fanout   which workloads to run ((d) comes with connect;
                          auth: (e), --connects connections that authenticate and join nothing)
  --join-pushes on        off: no join/leave pushes to members (Switchboard
                          SB_PRESENCE_DIFF_MAX_MEMBERS=0, Centrifugo join_leave false), to see the
                          connect path without the n² push frames of 100-member rooms
  --links secured         secured: every system reaches its servers as in production (Switchboard:
                          TLS + a user per role on NATS, TLS + ACL user on Redis; Centrifugo and
                          Socket.IO: TLS + ACL user on Redis); plain: no TLS, no credentials
  --node-options "<flags>"  more NODE_OPTIONS for Switchboard's processes, for experiments
                          (e.g. --max-semi-space-size=64; not --stack-trace-limit=0, which
                          breaks tsx's module loading)
  --profile               also profile Switchboard's processes (V8 sampling, 100 µs) during an
                          extra publish phase and an extra connect storm; prints top self time
  --profile-seconds 8
  --profile-dir <dir>     also write the raw .cpuprofile files there (open them in Chrome DevTools)
  --quiet-wait-s 3        wait up to this long for a quiet machine before each measured phase
  --json <file>           write every figure as JSON
  --watchdog-s 600        give up (exit 2) after this long`;

const { values } = parseArgs({
  options: {
    connects: { type: 'string', default: '10000' },
    rooms: { type: 'string', default: '100' },
    'small-rooms': { type: 'string', default: '200' },
    'room-size': { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    'fanout-members': { type: 'string', default: '2000' },
    'fanout-rate': { type: 'string', default: '20' },
    'fanout-messages': { type: 'string', default: '200' },
    batch: { type: 'string', default: '200' },
    only: { type: 'string', default: 'switchboard,centrifugo,socketio,ws' },
    workloads: { type: 'string', default: 'connect,auth,small,fanout' },
    'join-pushes': { type: 'string', default: 'on' },
    links: { type: 'string', default: 'secured' },
    'node-options': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'profile-seconds': { type: 'string', default: '8' },
    'profile-dir': { type: 'string' },
    'quiet-wait-s': { type: 'string', default: '3' },
    json: { type: 'string' },
    'watchdog-s': { type: 'string', default: '600' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
function whole(name: keyof typeof values, min = 1): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number >= ${min}\n\n${usage}`);
    process.exit(2);
  }
  return n;
}
const opts = {
  connects: whole('connects'),
  rooms: whole('rooms'),
  smallRooms: whole('small-rooms'),
  roomSize: whole('room-size', 2),
  rate: whole('rate'),
  seconds: whole('seconds'),
  fanoutMembers: whole('fanout-members'),
  fanoutRate: whole('fanout-rate'),
  fanoutMessages: whole('fanout-messages'),
  batch: whole('batch'),
  profileSeconds: whole('profile-seconds'),
  quietWaitMs: whole('quiet-wait-s', 0) * 1000,
};
const only = values.only.split(',').map((s) => s.trim()) as SystemName[];
for (const name of only) {
  if (!(name in DIALECTS)) {
    console.error(`--only: unknown system "${name}"\n\n${usage}`);
    process.exit(2);
  }
}
const workloads = new Set(values.workloads.split(',').map((s) => s.trim()));
for (const w of workloads) {
  if (!['connect', 'auth', 'small', 'fanout'].includes(w)) {
    console.error(`--workloads: unknown workload "${w}"\n\n${usage}`);
    process.exit(2);
  }
}
if (values['join-pushes'] !== 'on' && values['join-pushes'] !== 'off') {
  console.error(`--join-pushes must be on or off\n\n${usage}`);
  process.exit(2);
}
if (values.links !== 'secured' && values.links !== 'plain') {
  console.error(`--links must be secured or plain\n\n${usage}`);
  process.exit(2);
}
const systemOptions: SystemOptions = {
  joinPushes: values['join-pushes'] === 'on',
  links: values.links === 'plain' ? 'plain' : 'secured',
  ...(values['node-options'] ? { nodeOptions: values['node-options'] } : {}),
};
watchdog(whole('watchdog-s') * 1000, 'bench:cluster');

// ---- results ------------------------------------------------------------------------------------

interface PhaseResult {
  cpu: CpuWindow;
  /** Connects, publishes or messages the CPU is divided by. */
  operations: number;
  deliveries: number;
  expectedDeliveries: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}
interface SystemResult {
  name: SystemName;
  connect?: PhaseResult & { rssBefore: Map<string, number>; rssAfter: Map<string, number> };
  /** (e); `front`: the CPU-seconds of the processes that terminate the WebSockets. */
  auth?: PhaseResult & { front: number };
  small?: PhaseResult;
  fanout?: PhaseResult;
  profiles: { publish: ProcessProfile[]; connect: ProcessProfile[]; auth?: ProcessProfile[] };
  skipped?: string;
}

const BUSY_CORES = 0.15;
const busyNotes: string[] = [];

// ---- tokens -------------------------------------------------------------------------------------

/** A distinct HS256 token per connection, with the claims each system reads. */
function token(system: SystemName, user: string): string {
  if (system === 'switchboard') return mintToken(BENCH_SECRET, { user, join: ['*'], publish: ['*'] });
  return jwt.sign({}, BENCH_SECRET, { algorithm: 'HS256', subject: user, expiresIn: 3600 });
}

// ---- workloads ----------------------------------------------------------------------------------

function url(system: RunningSystem, i: number): string {
  return system.urls[i % system.urls.length]!;
}

async function quiet(system: RunningSystem): Promise<void> {
  if (opts.quietWaitMs > 0)
    await waitForQuiet(
      system.processes.map((p) => p.pid),
      opts.quietWaitMs,
      BUSY_CORES,
    );
}

function note(system: SystemName, phase: string, cpu: CpuWindow): void {
  if (cpu.others >= BUSY_CORES)
    busyNotes.push(`${system} ${phase}: other processes used ${cpu.others.toFixed(2)} cores`);
}

/** Opens `count` members of `dialect`, member i on node i mod nodes, joined to `room(i)`. */
async function openMembers(
  system: RunningSystem,
  dialect: Dialect,
  count: number,
  room: (i: number) => string,
  prefix: string,
): Promise<RawMember[]> {
  const tokens = Array.from({ length: count }, (_, i) => token(system.name, `${prefix}${i}`));
  return inBatches(count, opts.batch, (i) => dialect.member(url(system, i), tokens[i]!, room(i)));
}

async function closeAll(system: RunningSystem, members: RawMember[]): Promise<void> {
  for (const m of members) m.close();
  await waitIdle(system);
}

/** A connect storm: `n` connections, `--batch` at a time, each joining a room for (a) or none for (e); CPU until idle again. */
async function connectStorm(
  system: RunningSystem,
  dialect: Dialect,
  n: number,
  prefix: string,
  joinRooms = true,
) {
  const tokens = Array.from({ length: n }, (_, i) => token(system.name, `${prefix}${i}`));
  const rooms = Array.from({ length: opts.rooms }, (_, r) => dialect.room(`room-${r}`, 'small'));
  await quiet(system);
  const window = cpuWindow(system);
  const members = await inBatches(n, opts.batch, (i) =>
    dialect.member(url(system, i), tokens[i]!, joinRooms ? rooms[i % opts.rooms]! : undefined),
  );
  const wall = window.end().elapsed;
  // Work a join leaves behind (presence writes, join pushes) is part of the connect.
  await waitIdle(system, 10_000);
  const cpu = window.end();
  return { members, cpu, wall };
}

/**
 * (e): connections that authenticate and do nothing else (a reconnect storm after a deploy,
 * before clients rejoin): until every token is accepted and the system is idle again.
 */
async function authStorm(
  system: RunningSystem,
  dialect: Dialect,
  n: number,
  prefix: string,
): Promise<NonNullable<SystemResult['auth']>> {
  const { members, cpu, wall } = await connectStorm(system, dialect, n, prefix, false);
  await closeAll(system, members);
  const front = system.front.reduce((total, name) => total + (cpu.perProcess.get(name) ?? 0), 0);
  return {
    cpu,
    front,
    operations: n,
    deliveries: 0,
    expectedDeliveries: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: wall * 1000,
    errors: 0,
  };
}

/** Paces `rate` publishes per second for `ms`, from `publishers` round robin. */
async function pace(
  dialect: Dialect,
  publishers: Array<{ member: RawMember; room: string }>,
  rate: number,
  ms: number,
  seq: { next: number },
): Promise<number> {
  const start = performance.now();
  let sent = 0;
  const total = Math.round((rate * ms) / 1000);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) {
      const p = publishers[sent % publishers.length]!;
      p.member.send(dialect.publish(p.room, performance.now(), seq.next++));
      sent++;
    }
    await sleep(Math.max(1, Math.min(10, 1000 / rate)));
  }
  return sent;
}

interface Recorder {
  from: number;
  to: number;
  latencies: Float64Array;
  count: number;
  all: number;
  errors: number;
}

function recorder(capacity: number): Recorder {
  return {
    from: Number.POSITIVE_INFINITY,
    to: Number.POSITIVE_INFINITY,
    latencies: new Float64Array(capacity),
    count: 0,
    all: 0,
    errors: 0,
  };
}

function listen(dialect: Dialect, members: RawMember[], rec: Recorder): void {
  for (const member of members) {
    member.onText = (text, receivedAt) => {
      if (dialect.control(member, text)) return;
      if (text.includes('"error"')) rec.errors++;
      forEachDelivery(text, (sentAt) => {
        rec.all++;
        if (sentAt >= rec.from && sentAt < rec.to && rec.count < rec.latencies.length)
          rec.latencies[rec.count++] = receivedAt - sentAt;
      });
    };
  }
}

function summarize(rec: Recorder, cpu: CpuWindow, operations: number, expected: number): PhaseResult {
  const sorted = rec.latencies.slice(0, rec.count).sort();
  return {
    cpu,
    operations,
    deliveries: rec.count,
    expectedDeliveries: expected,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
    errors: rec.errors,
  };
}

/** Where `--profile-dir` wants the raw profiles of a phase, if it does. */
function profileSave(label: string): { dir: string; label: string } | undefined {
  const dir = values['profile-dir'];
  return dir ? { dir, label } : undefined;
}

/** (b): small rooms, many publishes. With `profile`, an extra unmeasured phase under the profiler. */
async function smallRooms(system: RunningSystem, dialect: Dialect, profile: boolean) {
  const size = opts.roomSize;
  const count = opts.smallRooms * size;
  const rooms = Array.from({ length: opts.smallRooms }, (_, r) => dialect.room(`small-${r}`, 'small'));
  const members = await openMembers(system, dialect, count, (i) => rooms[Math.floor(i / size)]!, 's');
  const publishers = rooms.map((room, r) => ({ member: members[r * size]!, room }));
  const rec = recorder(opts.rate * opts.seconds * size + 1);
  listen(dialect, members, rec);
  const seq = { next: 100 };
  await pace(dialect, publishers, opts.rate, 2_000, seq);
  await quiet(system);
  await sleep(200);
  const window = cpuWindow(system);
  rec.from = performance.now();
  const sent = await pace(dialect, publishers, opts.rate, opts.seconds * 1000, seq);
  rec.to = performance.now();
  await sleep(500);
  const cpu = window.end();
  const result = summarize(rec, cpu, sent, sent * size);
  let profiles: ProcessProfile[] = [];
  if (profile) {
    profiles = await profileDuring(
      system,
      ['edge-1', 'edge-2', 'router-1', 'presence-1'],
      async () => {
        await pace(dialect, publishers, opts.rate, opts.profileSeconds * 1000, seq);
      },
      12,
      profileSave('publish'),
    );
  }
  await closeAll(system, members);
  return { result, profiles };
}

/** (c): one big room. */
async function fanout(system: RunningSystem, dialect: Dialect) {
  const room = dialect.room('fanout', 'big');
  const members = await openMembers(system, dialect, opts.fanoutMembers, () => room, 'f');
  const publisher = await dialect.member(
    url(system, 0),
    token(system.name, 'fanout-publisher'),
    dialect.room('fanout-publisher', 'small'),
  );
  const rec = recorder(opts.fanoutMessages * opts.fanoutMembers + 1);
  listen(dialect, members, rec);
  listen(dialect, [publisher], recorder(0));
  const seq = { next: 100 };
  const publishers = [{ member: publisher, room }];
  await pace(dialect, publishers, opts.fanoutRate, (20 * 1000) / opts.fanoutRate, seq);
  await quiet(system);
  await sleep(500);
  const window = cpuWindow(system);
  rec.from = performance.now();
  const sent = await pace(
    dialect,
    publishers,
    opts.fanoutRate,
    (opts.fanoutMessages * 1000) / opts.fanoutRate,
    seq,
  );
  rec.to = performance.now();
  await sleep(1_000);
  const cpu = window.end();
  await closeAll(system, [...members, publisher]);
  return summarize(rec, cpu, sent, sent * opts.fanoutMembers);
}

// ---- one system -----------------------------------------------------------------------------------

async function start(name: SystemName): Promise<RunningSystem | string> {
  if (name === 'switchboard') return startSwitchboard(systemOptions);
  if (name === 'socketio') return startSocketio(systemOptions);
  if (name === 'ws') return startBareWs();
  const binary = centrifugoBinary();
  if ('missing' in binary)
    return `Centrifugo skipped: ${binary.missing}\n  (get it with: bash scripts/centrifugo.sh — needs Go; builds github.com/centrifugal/centrifugo/v6@v6.9.1 once)`;
  return startCentrifugo(binary.path, systemOptions);
}

async function runSystem(name: SystemName): Promise<SystemResult> {
  const result: SystemResult = { name, profiles: { publish: [], connect: [] } };
  const t0 = performance.now();
  const system = await start(name);
  if (typeof system === 'string') {
    console.log(system);
    return { ...result, skipped: system };
  }
  const dialect = DIALECTS[name];
  const step = (what: string) =>
    console.log(`  ${name}: ${what} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  try {
    step('started');
    // Warm-up: compiles the connect, join and publish paths before anything is measured.
    const warm = await openMembers(system, dialect, 200, (i) => dialect.room(`warm-${i % 10}`, 'small'), 'w');
    const warmRec = recorder(0);
    listen(dialect, warm, warmRec);
    await pace(
      dialect,
      warm.slice(0, 10).map((member, i) => ({ member, room: dialect.room(`warm-${i % 10}`, 'small') })),
      200,
      1_000,
      { next: 100 },
    );
    await closeAll(system, warm);
    step('warmed up');

    if (workloads.has('connect')) await connectPhases(system, dialect, result, step);
    if (workloads.has('auth')) {
      result.auth = await authStorm(system, dialect, opts.connects, 'a');
      note(name, 'authenticated connects', result.auth.cpu);
      step(`${opts.connects} authenticated connects in ${(result.auth.maxMs / 1000).toFixed(1)} s`);
      if (values.profile && name === 'switchboard') {
        const n = Math.min(opts.connects, 3_000);
        result.profiles.auth = await profileDuring(
          system,
          ['edge-1', 'edge-2', 'auth-1'],
          async () => {
            await authStorm(system, dialect, n, 'q');
          },
          12,
          profileSave('auth'),
        );
        step(`profiled ${n} authenticated connects`);
      }
    }
    // The bare ws floor has no rooms: only the connect workload means anything for it.
    if (name === 'ws') return result;
    if (workloads.has('small')) {
      const small = await smallRooms(system, dialect, values.profile && name === 'switchboard');
      result.small = small.result;
      result.profiles.publish = small.profiles;
      note(name, 'small rooms', small.result.cpu);
      step('small rooms done');
    }
    if (workloads.has('fanout')) {
      result.fanout = await fanout(system, dialect);
      note(name, 'fan-out', result.fanout.cpu);
      step('fan-out done');
    }
  } finally {
    await system.stop();
  }
  return result;
}

/** (a) and (d), and with --profile a second, profiled storm. */
async function connectPhases(
  system: RunningSystem,
  dialect: Dialect,
  result: SystemResult,
  step: (what: string) => void,
): Promise<void> {
  const name = system.name;
  const rssBefore = await memory(system, true);
  const storm = await connectStorm(system, dialect, opts.connects, 'c');
  await sleep(2_000);
  const rssAfter = await memory(system, true);
  note(name, 'connects', storm.cpu);
  result.connect = {
    cpu: storm.cpu,
    operations: opts.connects,
    deliveries: 0,
    expectedDeliveries: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: storm.wall * 1000,
    errors: 0,
    rssBefore,
    rssAfter,
  };
  await closeAll(system, storm.members);
  step(`${opts.connects} connects in ${storm.wall.toFixed(1)} s`);

  if (values.profile && name === 'switchboard') {
    const n = Math.min(opts.connects, 3_000);
    let extra: RawMember[] = [];
    result.profiles.connect = await profileDuring(
      system,
      ['edge-1', 'edge-2', 'auth-1', 'router-1', 'presence-1'],
      async () => {
        extra = (await connectStorm(system, dialect, n, 'p')).members;
      },
      12,
      profileSave('connect'),
    );
    await closeAll(system, extra);
    step(`profiled ${n} connects`);
  }
}

// ---- report ---------------------------------------------------------------------------------------

const us = (s: number) => `${(s * 1e6).toFixed(0)} µs`;
const msf = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** `- system: process cost, …`, largest first: each process's CPU over the phase's operations. */
function perProcessLine(system: SystemName, phase: PhaseResult): string {
  return `- ${system}: ${[...phase.cpu.perProcess.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${name} ${us(seconds / phase.operations)}`)
    .join(', ')}`;
}

function ratioLines(results: SystemResult[], label: string, value: (r: SystemResult) => number | undefined) {
  const sb = results.find((r) => r.name === 'switchboard');
  const sbValue = sb ? value(sb) : undefined;
  const parts: string[] = [];
  const labels = { centrifugo: 'Centrifugo', socketio: 'Socket.IO', ws: 'bare ws' } as const;
  for (const other of ['centrifugo', 'socketio', 'ws'] as const) {
    const o = results.find((r) => r.name === other);
    const v = o ? value(o) : undefined;
    if (sbValue !== undefined && v !== undefined && v > 0 && Number.isFinite(sbValue))
      parts.push(`Switchboard/${labels[other]} ${(sbValue / v).toFixed(2)}×`);
  }
  return parts.length > 0 ? `- ${label}: ${parts.join(', ')}` : '';
}

function report(results: SystemResult[]): string {
  const ran = results.filter((r) => !r.skipped);
  const out: string[] = [];
  out.push(
    `Node ${process.version}, ${availableParallelism()} cores, commit ${codeVersion()}, ${new Date().toISOString()}`,
  );
  out.push(
    systemOptions.links === 'secured'
      ? 'Links: secured (TLS and credentials from every process to NATS and Redis, for every system).'
      : 'Links: plain (no TLS, no credentials, for every system).',
  );
  out.push(
    busyNotes.length > 0
      ? `**BUSY MACHINE** (figures include contention): ${busyNotes.join('; ')}`
      : 'Other processes stayed below 0.15 cores in every measured phase.',
  );

  const connected = ran.filter((r) => r.connect !== undefined);
  if (connected.length > 0) {
    out.push(
      `\n### (a) ${opts.connects} connects, each its own HS256 token, joining 1 of ${opts.rooms} rooms\n`,
    );
    out.push(
      table(
        [
          'system',
          'CPU-s, all processes',
          'CPU per connect',
          'wall',
          'connects/s',
          'load generator',
          'others',
        ],
        connected.map((r) => {
          const c = r.connect!;
          return [
            r.name,
            c.cpu.total.toFixed(2),
            us(c.cpu.total / c.operations),
            `${(c.maxMs / 1000).toFixed(1)} s`,
            (c.operations / (c.maxMs / 1000)).toFixed(0),
            `${c.cpu.loadGenerator.toFixed(2)} cores`,
            `${c.cpu.others.toFixed(2)} cores`,
          ];
        }),
      ),
    );
    out.push('\nPer process, CPU per connect:\n');
    for (const r of connected) out.push(perProcessLine(r.name, r.connect!));

    out.push(`\n### (d) memory per idle connection (${opts.connects}, RSS of all processes after a GC)\n`);
    out.push(
      table(
        ['system', 'RSS before', 'RSS after', 'per connection', 'per process, per connection'],
        connected.map((r) => {
          const c = r.connect!;
          const before = sum(c.rssBefore);
          const after = sum(c.rssAfter);
          const split = [...c.rssAfter.entries()]
            .map(([p, b]) => [p, (b - (c.rssBefore.get(p) ?? 0)) / c.operations] as const)
            .sort((a, b) => b[1] - a[1])
            .map(([p, v]) => `${p} ${kib(v)}`)
            .join(', ');
          return [
            r.name,
            `${(before / 1048576).toFixed(1)} MiB`,
            `${(after / 1048576).toFixed(1)} MiB`,
            kib((after - before) / c.operations),
            split,
          ];
        }),
      ),
    );
  }
  const authed = ran.filter((r) => r.auth !== undefined);
  if (authed.length > 0) {
    out.push(`\n### (e) ${opts.connects} authenticated connects, each its own HS256 token, no room\n`);
    out.push(
      table(
        [
          'system',
          'CPU per connect, all processes',
          'connects/s',
          'front CPU per connection',
          'connects/s per front core',
          'others',
        ],
        authed.map((r) => {
          const a = r.auth!;
          return [
            r.name,
            us(a.cpu.total / a.operations),
            (a.operations / (a.maxMs / 1000)).toFixed(0),
            us(a.front / a.operations),
            (a.operations / a.front).toFixed(0),
            `${a.cpu.others.toFixed(2)} cores`,
          ];
        }),
      ),
    );
    out.push(
      "\nFront: the processes that terminate the WebSockets (Switchboard's edges, the others' nodes, the bare ws process); each connection is accepted by one of them, so their CPU over the connections is what one connection costs its front process.\n\nPer process, CPU per connect:\n",
    );
    for (const r of authed) out.push(perProcessLine(r.name, r.auth!));
  }
  const phase = (title: string, pick: (r: SystemResult) => PhaseResult | undefined, unit: string) => {
    const had = ran.filter((r) => pick(r) !== undefined);
    if (had.length === 0) return;
    out.push(`\n### ${title}\n`);
    out.push(
      table(
        [
          'system',
          'CPU per delivery',
          `CPU per ${unit}`,
          'p50',
          'p99',
          'max',
          'delivered',
          'errors',
          'others',
        ],
        had.map((r) => {
          const p = pick(r)!;
          return [
            r.name,
            us(p.cpu.total / Math.max(1, p.deliveries)),
            us(p.cpu.total / p.operations),
            msf(p.p50Ms),
            msf(p.p99Ms),
            msf(p.maxMs),
            `${p.deliveries} / ${p.expectedDeliveries}`,
            String(p.errors),
            `${p.cpu.others.toFixed(2)} cores`,
          ];
        }),
      ),
    );
    out.push(`\nPer process, CPU per ${unit}:\n`);
    for (const r of had) out.push(perProcessLine(r.name, pick(r)!));
  };
  phase(
    `(b) ${opts.smallRooms} rooms × ${opts.roomSize} members, ${opts.rate} publishes/s for ${opts.seconds} s`,
    (r) => r.small,
    'publish',
  );
  phase(
    `(c) fan-out: ${opts.fanoutMembers} members, ${opts.fanoutRate} messages/s, ${opts.fanoutMessages} messages`,
    (r) => r.fanout,
    'message',
  );

  out.push('\n### Ratios (lower is better for Switchboard)\n');
  const perDelivery = (p: PhaseResult | undefined) =>
    p ? p.cpu.total / Math.max(1, p.deliveries) : undefined;
  out.push(
    [
      ratioLines(ran, '(a) CPU per connect', (r) =>
        r.connect ? r.connect.cpu.total / r.connect.operations : undefined,
      ),
      ratioLines(ran, '(e) CPU per authenticated connect', (r) =>
        r.auth ? r.auth.cpu.total / r.auth.operations : undefined,
      ),
      ratioLines(ran, '(e) front CPU per authenticated connection', (r) =>
        r.auth ? r.auth.front / r.auth.operations : undefined,
      ),
      ratioLines(ran, '(b) CPU per delivery', (r) => perDelivery(r.small)),
      ratioLines(ran, '(b) p99 publish → deliver', (r) => r.small?.p99Ms),
      ratioLines(ran, '(c) CPU per delivery', (r) => perDelivery(r.fanout)),
      ratioLines(ran, '(c) p99 publish → deliver', (r) => r.fanout?.p99Ms),
      ratioLines(ran, '(d) memory per idle connection', (r) =>
        r.connect ? (sum(r.connect.rssAfter) - sum(r.connect.rssBefore)) / r.connect.operations : undefined,
      ),
    ]
      .filter((l) => l !== '')
      .join('\n'),
  );

  for (const r of ran) {
    for (const [kind, profiles] of [
      ['connect storm', r.profiles.connect],
      ['publish phase', r.profiles.publish],
      ['authenticated connects', r.profiles.auth ?? []],
    ] as const) {
      for (const p of profiles) {
        out.push(
          `\n#### ${r.name} ${p.process}, ${kind}: top self time (${p.busyMs.toFixed(0)} ms sampled busy)\n`,
        );
        out.push(
          table(
            ['function', 'self ms', 'share of busy'],
            p.top.map((row) => [`\`${row.name}\``, row.ms.toFixed(0), `${(row.share * 100).toFixed(1)} %`]),
          ),
        );
      }
    }
  }
  return out.join('\n');
}

// ---- main -------------------------------------------------------------------------------------------

const started = performance.now();
console.log(`bench:cluster — ${only.join(', ')}; Node ${process.version}`);
const results: SystemResult[] = [];
let failed = false;
for (const name of only) {
  try {
    results.push(await runSystem(name));
  } catch (error) {
    failed = true;
    console.error(
      `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    results.push({ name, profiles: { publish: [], connect: [] }, skipped: String(error) });
  }
}
const text = report(results);
console.log(`\n${text}\n\nTook ${((performance.now() - started) / 1000).toFixed(0)} s.`);
if (values.json) {
  const replacer = (_key: string, value: unknown) =>
    value instanceof Map ? Object.fromEntries(value) : value;
  writeFileSync(
    values.json,
    JSON.stringify({ opts, node: process.version, busyNotes, results }, replacer, 2),
  );
}
// A lost or duplicated delivery by Switchboard is a real error; timing never is.
const sb = results.find((r) => r.name === 'switchboard' && !r.skipped);
for (const p of [sb?.small, sb?.fanout]) {
  if (p && p.deliveries !== p.expectedDeliveries) {
    console.error(`Switchboard delivered ${p.deliveries} of ${p.expectedDeliveries} expected deliveries`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);

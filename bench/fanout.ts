/**
 * Fan-out latency: one room with many members on one server, one publisher.
 *
 * The server runs as a child process (its own event loop and core); this process is the load
 * generator. Each published message carries the client's send time (performance.now()); every
 * member records receive time − send time, so the figure is publish → delivered at the client,
 * over every delivery at every member, on one clock. The same client and method measure two
 * baselines in the same run (bench/naive-server.ts): naive-ws, a bare `ws` server that
 * JSON.stringify's and ws.send's per socket, and raw-floor, which writes one prebuilt frame
 * straight to each TCP socket — the least any JavaScript server can do per member.
 *
 *   pnpm bench:fanout [-- --members 2000 --messages 200 --rate 20 --warmup 20 --burst 100
 *                         --payload 64 --batch 200 --only raw-floor,naive-ws,switchboard
 *                         --client raw|ws --attempts 2 --quiet-wait-s 10 --profile]
 *
 * Other processes' CPU use during a paced phase is measured (from /proc) and reported; a busy
 * phase is repeated once (--attempts). --profile samples the switchboard server's CPU over the
 * inspector protocol during the paced phase and prints where the time went.
 *
 * Prints figures, never fails on timing. Exits non-zero only on errors: a lost, duplicated or
 * out-of-order message, a dropped connection, a server that would not start.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET, mintToken } from '@switchboard/auth';
import { SUBPROTOCOL } from '@switchboard/protocol';
import {
  BenchClient,
  bucketQuantile,
  type CpuProfile,
  codeVersion,
  cpuSeconds,
  type Frame,
  type Histogram,
  histogram,
  Inspector,
  inBatches,
  machineCpu,
  ms,
  type ProfileRow,
  percentile,
  RawMember,
  ratio,
  type ServerKind,
  type ServerProcess,
  scrape,
  sleep,
  startServer,
  topInclusiveTime,
  topSelfTime,
  waitForQuiet,
  watchdog,
} from './lib.js';

const { values: args } = parseArgs({
  options: {
    members: { type: 'string', default: '2000' },
    messages: { type: 'string', default: '200' },
    rate: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '20' },
    burst: { type: 'string', default: '100' },
    payload: { type: 'string', default: '64' },
    batch: { type: 'string', default: '200' },
    only: { type: 'string' },
    client: { type: 'string', default: 'raw' },
    profile: { type: 'boolean', default: false },
    'target-ms': { type: 'string', default: '10' },
    'quiet-wait-s': { type: 'string', default: '10' },
    attempts: { type: 'string', default: '2' },
  },
  allowPositionals: false,
});

const MEMBERS = Number(args.members);
const MESSAGES = Number(args.messages);
const RATE = Number(args.rate);
const WARMUP = Number(args.warmup);
const BURST = Number(args.burst);
const PAYLOAD = Number(args.payload);
const BATCH = Number(args.batch);
const TARGET_MS = Number(args['target-ms']);
const CLIENT = args.client === 'ws' ? 'ws' : 'raw';
const QUIET_WAIT_MS = Number(args['quiet-wait-s']) * 1000;
const ROOM = 'bench';
const ATTEMPTS = Math.max(1, Number(args.attempts));
const CAPACITY = WARMUP + ATTEMPTS * MESSAGES + BURST;
/** Other processes using more than this share of a core make a run "busy". */
const BUSY_SHARE = 0.15;
/** No repeats once the whole benchmark has run this long (each run stays under ~3 minutes). */
const RETRY_BUDGET_S = 75;
const STARTED = performance.now();
const ALL_KINDS: ServerKind[] = ['raw-floor', 'naive-ws', 'switchboard'];
const kinds =
  args.only === undefined ? ALL_KINDS : ALL_KINDS.filter((k) => args.only?.split(',').includes(k));
if (kinds.length === 0) throw new Error(`--only takes a comma-separated list of: ${ALL_KINDS.join(', ')}`);

interface Result {
  kind: ServerKind;
  /** Sorted publish → deliver latencies of the paced phase, every member, ms. */
  latencies: Float64Array;
  /** Per paced message: latency at the last member to get it (the whole fan-out), sorted. */
  lastMember: Float64Array;
  /** Per paced message: latency at the first member to get it, sorted. */
  firstMember: Float64Array;
  pacedDeliveriesPerS: number;
  burstDeliveriesPerS: number;
  burstLastMemberP99: number;
  serverCpuPerMessageMs: number;
  clientCpuShare: number;
  serverCpuShare: number;
  /** Cores' worth of CPU used by other processes during the paced phase. */
  otherCpuShare: number;
  stealShare: number;
  /** Paced phases run (more than one when the machine was busy). */
  attempts: number;
  setupS: number;
  published: number;
  expected: number;
  received: number;
  lost: number;
  disordered: number;
  dropped: number;
  serverHistogram: Histogram | undefined;
  profileTop: ProfileRow[] | undefined;
  profileInclusive: ProfileRow[] | undefined;
  profilePath: string | undefined;
}

async function run(kind: ServerKind): Promise<Result> {
  const server = await startServer(kind, { inspect: args.profile && kind === 'switchboard' });
  try {
    return await measure(server);
  } finally {
    await server.stop();
  }
}

async function measure(server: ServerProcess): Promise<Result> {
  const { kind } = server;
  const log = (text: string) => process.stderr.write(`[${kind}] ${text}\n`);

  // ---- members -------------------------------------------------------------------------------
  const setupStart = performance.now();
  const last = new Int32Array(MEMBERS); // last offset seen (the room starts at 0)
  const count = new Int32Array(MEMBERS);
  const disordered = new Int32Array(MEMBERS);
  const latencies = new Float64Array(MEMBERS * MESSAGES);
  let latencyCount = 0;
  /** Latencies are recorded for seq in [pacedFrom, pacedFrom + MESSAGES): the current paced phase. */
  let pacedFrom = WARMUP;
  let attempts = 0;
  const firstAt = new Float64Array(CAPACITY).fill(Number.POSITIVE_INFINITY);
  const lastAt = new Float64Array(CAPACITY).fill(Number.NEGATIVE_INFINITY);
  const sentAt = new Float64Array(CAPACITY);
  let delivered = 0;

  const onMessage = (i: number, frame: Frame, receivedAt: number) => {
    if (frame['t'] !== 'msg') return; // pings, presence
    const offset = frame['offset'] as number;
    if (offset !== last[i]! + 1) disordered[i]!++;
    last[i] = offset;
    count[i]!++;
    delivered++;
    const seq = (frame['data'] as { seq: number }).seq;
    if (receivedAt < firstAt[seq]!) firstAt[seq] = receivedAt;
    if (receivedAt > lastAt[seq]!) lastAt[seq] = receivedAt;
    if (seq >= pacedFrom && seq < pacedFrom + MESSAGES) latencies[latencyCount++] = receivedAt - sentAt[seq]!;
  };
  const members: Array<{ closed: boolean; close(): void }> = await inBatches(MEMBERS, BATCH, async (i) => {
    const token = mintToken(DEV_JWT_SECRET, { user: `m${i}`, join: [ROOM], publish: [] });
    if (CLIENT === 'ws') {
      const client = await BenchClient.member(server.wsUrl, SUBPROTOCOL, token, ROOM);
      client.onPush = (frame, receivedAt) => onMessage(i, frame, receivedAt);
      return client;
    }
    const member = await RawMember.member(server.wsUrl, SUBPROTOCOL, token, ROOM);
    member.onText = (text, receivedAt) => {
      // Only message frames are parsed (the server's pings and presence pushes are skipped).
      if (text.startsWith('{"t":"msg"')) onMessage(i, JSON.parse(text) as Frame, receivedAt);
    };
    return member;
  });
  const publisher = await BenchClient.open(server.wsUrl, SUBPROTOCOL);
  await publisher.command({
    op: 'connect',
    token: mintToken(DEV_JWT_SECRET, { user: 'publisher', join: [], publish: [ROOM] }),
  });
  const setupS = (performance.now() - setupStart) / 1000;
  log(`${MEMBERS} members joined in ${setupS.toFixed(1)} s`);

  // ---- publishing ------------------------------------------------------------------------------
  const pad = 'x'.repeat(PAYLOAD);
  const acks: Array<Promise<Frame>> = [];
  let next = 0; // the next seq to publish; seq k gets offset k + 1
  const publish = () => {
    const seq = next++;
    sentAt[seq] = performance.now();
    acks.push(
      publisher.command({ op: 'publish', room: ROOM, event: 'e', data: { seq, sent: sentAt[seq]!, pad } }),
    );
  };
  const paced = async (n: number) => {
    const start = performance.now();
    for (let k = 0; k < n; k++) {
      const wait = start + (k * 1000) / RATE - performance.now();
      if (wait > 0) await sleep(wait);
      publish();
    }
  };
  const waitDelivered = async (timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (delivered < MEMBERS * next && performance.now() < deadline) await sleep(20);
  };

  await paced(WARMUP);
  await waitDelivered(10_000);

  // The paced phase is repeated (up to --attempts times, time allowing) while other processes
  // were busy during it: on a shared box, their CPU shows up as latency.
  let phase: PacedPhase;
  for (let attempt = 1; ; attempt++) {
    const quiet = await waitForQuiet([server.pid], QUIET_WAIT_MS);
    if (quiet >= BUSY_SHARE) {
      log(
        `the machine is busy (other processes use ${(quiet * 100).toFixed(0)}% of a core); measuring anyway`,
      );
    }
    log(`publishing ${MESSAGES} messages at ${RATE}/s${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    phase = await pacedPhase(server, () => {
      pacedFrom = next;
      latencyCount = 0;
    });
    const elapsedS = (performance.now() - STARTED) / 1000;
    if (phase.otherCpuShare < BUSY_SHARE || attempt >= ATTEMPTS || elapsedS > RETRY_BUDGET_S) break;
    log(
      `other processes used ${(phase.otherCpuShare * 100).toFixed(0)}% of a core meanwhile: repeating the paced phase`,
    );
  }

  let burstDeliveriesPerS = Number.NaN;
  let burstLastMemberP99 = Number.NaN;
  if (BURST > 0) {
    log(`publishing ${BURST} messages back to back`);
    const from = next;
    const burstStart = performance.now();
    for (let k = 0; k < BURST; k++) publish();
    await waitDelivered(30_000);
    const burstEnd = Math.max(...lastAt.subarray(from, next));
    burstDeliveriesPerS = (MEMBERS * BURST) / ((burstEnd - burstStart) / 1000);
    const spans = Float64Array.from(
      { length: BURST },
      (_, k) => lastAt[from + k]! - sentAt[from + k]!,
    ).sort();
    burstLastMemberP99 = percentile(spans, 99);
  }

  // ---- checks ----------------------------------------------------------------------------------
  const published = next;
  const replies = await Promise.allSettled(acks);
  let badAcks = 0;
  replies.forEach((reply, seq) => {
    if (reply.status !== 'fulfilled' || reply.value['offset'] !== seq + 1) badAcks++;
  });
  if (badAcks > 0) log(`${badAcks} publishes were not acknowledged with the expected offset`);
  let lost = 0;
  let disorderedTotal = 0;
  let dropped = 0;
  for (let i = 0; i < MEMBERS; i++) {
    lost += Math.max(0, published - count[i]!);
    disorderedTotal += disordered[i]! + Math.max(0, count[i]! - published);
    if (members[i]!.closed) dropped++;
  }
  for (const member of members) member.close();
  publisher.close();

  const lastMember = Float64Array.from(
    { length: MESSAGES },
    (_, k) => lastAt[pacedFrom + k]! - sentAt[pacedFrom + k]!,
  );
  const firstMember = Float64Array.from(
    { length: MESSAGES },
    (_, k) => firstAt[pacedFrom + k]! - sentAt[pacedFrom + k]!,
  );
  return {
    kind,
    latencies: latencies.subarray(0, latencyCount).sort(),
    lastMember: lastMember.sort(),
    firstMember: firstMember.sort(),
    pacedDeliveriesPerS: phase.deliveriesPerS,
    burstDeliveriesPerS,
    burstLastMemberP99,
    serverCpuPerMessageMs: (phase.serverCpu * 1000) / MESSAGES,
    serverCpuShare: phase.serverCpu / phase.seconds,
    clientCpuShare: phase.clientCpu / phase.seconds,
    otherCpuShare: phase.otherCpuShare,
    stealShare: phase.stealShare,
    attempts: phase.attempt,
    setupS,
    expected: MEMBERS * published,
    published,
    received: delivered,
    lost: lost + badAcks,
    disordered: disorderedTotal,
    dropped,
    serverHistogram: phase.serverHistogram,
    profileTop: phase.profileTop,
    profileInclusive: phase.profileInclusive,
    profilePath: phase.profilePath,
  };

  /** One paced phase: MESSAGES at RATE, with CPU accounting, server histogram and profile. */
  async function pacedPhase(srv: ServerProcess, reset: () => void): Promise<PacedPhase> {
    attempts++;
    const before = srv.kind === 'switchboard' ? await scrape(srv) : undefined;
    let inspector: Inspector | undefined;
    if (srv.inspectPort !== undefined) {
      inspector = await Inspector.attach(srv.inspectPort);
      await inspector.call('Profiler.enable');
      await inspector.call('Profiler.setSamplingInterval', { interval: 100 });
      await inspector.call('Profiler.start');
    }
    reset();
    const from = next;
    const serverCpu0 = cpuSeconds(srv.pid);
    const clientCpu0 = process.cpuUsage();
    const machine0 = machineCpu();
    const start = performance.now();
    await paced(MESSAGES);
    await waitDelivered(15_000);
    const end = Math.max(...lastAt.subarray(from, from + MESSAGES));
    const seconds = (performance.now() - start) / 1000;
    const serverCpu = cpuSeconds(srv.pid) - serverCpu0;
    const clientUsage = process.cpuUsage(clientCpu0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const machine1 = machineCpu();
    const result: PacedPhase = {
      attempt: attempts,
      seconds,
      deliveriesPerS: latencyCount / ((end - start) / 1000),
      serverCpu,
      clientCpu,
      // CPU the rest of the machine used meanwhile (other people's tests, say).
      otherCpuShare: Math.max(0, machine1.busy - machine0.busy - serverCpu - clientCpu) / seconds,
      stealShare: (machine1.steal - machine0.steal) / seconds,
      serverHistogram: undefined,
      profileTop: undefined,
      profileInclusive: undefined,
      profilePath: undefined,
    };
    if (inspector) {
      const { profile } = (await inspector.call('Profiler.stop')) as { profile: CpuProfile };
      result.profilePath = join(mkdtempSync(join(tmpdir(), 'switchboard-bench-')), 'fanout.cpuprofile');
      writeFileSync(result.profilePath, JSON.stringify(profile));
      result.profileTop = topSelfTime(profile, 20);
      result.profileInclusive = topInclusiveTime(profile, 12);
      inspector.close();
    }
    if (before) {
      const name = 'switchboard_delivery_latency_seconds';
      result.serverHistogram = histogram(await scrape(srv), name, histogram(before, name));
    }
    return result;
  }
}

interface PacedPhase {
  attempt: number;
  seconds: number;
  deliveriesPerS: number;
  serverCpu: number;
  clientCpu: number;
  otherCpuShare: number;
  stealShare: number;
  serverHistogram: Histogram | undefined;
  profileTop: ProfileRow[] | undefined;
  profileInclusive: ProfileRow[] | undefined;
  profilePath: string | undefined;
}

// ---- report --------------------------------------------------------------------------------------

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function report(results: Result[]): number {
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `fan-out: ${MEMBERS} members in one room, ${MESSAGES} messages at ${RATE}/s (+${WARMUP} warm-up, ` +
      `+${BURST} burst), ${PAYLOAD} B padding, loopback, ${CLIENT === 'raw' ? 'lean' : 'ws'} client, ` +
      `${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, ${codeVersion()}`,
  );
  lines.push('publish → delivered latency over every delivery at every member (client clock):');
  lines.push(
    `  ${pad('server', 13)}${pad('p50', 11)}${pad('p95', 11)}${pad('p99', 11)}${pad('max', 11)}` +
      `${pad('first-member p50', 18)}${pad('last-member p99', 17)}${pad('deliveries/s', 14)}` +
      `${pad('server CPU/msg', 16)}${pad('burst deliveries/s', 20)}`,
  );
  for (const r of results) {
    lines.push(
      `  ${pad(r.kind, 13)}${pad(ms(percentile(r.latencies, 50)), 11)}${pad(ms(percentile(r.latencies, 95)), 11)}` +
        `${pad(ms(percentile(r.latencies, 99)), 11)}${pad(ms(r.latencies[r.latencies.length - 1] ?? Number.NaN), 11)}` +
        `${pad(ms(percentile(r.firstMember, 50)), 18)}${pad(ms(percentile(r.lastMember, 99)), 17)}` +
        `${pad(Math.round(r.pacedDeliveriesPerS).toLocaleString('en-US'), 14)}` +
        `${pad(ms(r.serverCpuPerMessageMs), 16)}${pad(Number.isNaN(r.burstDeliveriesPerS) ? 'n/a' : Math.round(r.burstDeliveriesPerS).toLocaleString('en-US'), 20)}`,
    );
  }
  for (const r of results) {
    lines.push(
      `  ${r.kind}: set-up ${r.setupS.toFixed(1)} s; during the paced phase server CPU ${(r.serverCpuShare * 100).toFixed(0)}%, ` +
        `load-generator CPU ${(r.clientCpuShare * 100).toFixed(0)}%, other processes ${(r.otherCpuShare * 100).toFixed(0)}%` +
        `${r.stealShare > 0.01 ? `, VM steal ${(r.stealShare * 100).toFixed(0)}%` : ''} of a core` +
        `${r.otherCpuShare >= BUSY_SHARE ? ' (BUSY MACHINE: figures are inflated)' : ''}` +
        `${r.attempts > 1 ? ` [paced phase run ${r.attempts} times; the last is shown]` : ''}; ` +
        `burst last-member p99 ${ms(r.burstLastMemberP99)}`,
    );
  }
  const sb = results.find((r) => r.kind === 'switchboard');
  for (const baseline of results) {
    if (!sb || baseline === sb) continue;
    const busy =
      sb.otherCpuShare >= BUSY_SHARE || baseline.otherCpuShare >= BUSY_SHARE
        ? ' — NOT COMPARABLE: the machine was busy during one of the runs'
        : '';
    for (const p of [99, 50]) {
      const a = percentile(sb.latencies, p);
      const b = percentile(baseline.latencies, p);
      lines.push(`switchboard p${p} ${ms(a)} vs ${baseline.kind} p${p} ${ms(b)} (${ratio(a, b)})${busy}`);
    }
  }
  if (sb?.serverHistogram) {
    const h = sb.serverHistogram;
    const le = (q: number) => {
      const v = bucketQuantile(h, q);
      return Number.isFinite(v) ? `≤ ${v * 1000} ms` : '> 1 s';
    };
    lines.push(
      `server-side histogram switchboard_delivery_latency_seconds (as exported), ` +
        `paced phase: ${h.count} messages, mean ${ms((h.sum / Math.max(1, h.count)) * 1000)}, ` +
        `p50 ${le(0.5)}, p99 ${le(0.99)}`,
    );
    const cells = h.buckets.map((b, i) => {
      const inBucket = b.count - (i > 0 ? h.buckets[i - 1]!.count : 0);
      return `${Number.isFinite(b.le) ? `≤${b.le * 1000}ms` : '>1s'}:${inBucket}`;
    });
    lines.push(`  buckets: ${cells.join('  ')}`);
  }
  if (sb) {
    const p99 = percentile(sb.latencies, 99);
    lines.push(
      `target: p99 < ${TARGET_MS} ms for ${MEMBERS} members on this ${availableParallelism()}-core box — ` +
        `${p99 < TARGET_MS ? 'MET' : 'NOT MET'} (p99 ${ms(p99)})`,
    );
  }
  let failed = false;
  for (const r of results) {
    const ok = r.lost === 0 && r.disordered === 0 && r.dropped === 0 && r.received === r.expected;
    if (!ok) failed = true;
    lines.push(
      `delivery check (${r.kind}): ${MEMBERS} members × ${r.published} messages = ${r.expected} expected, ` +
        `${r.received} received; lost ${r.lost}, duplicated/out of order ${r.disordered}, ` +
        `connections dropped ${r.dropped} — ${ok ? 'every member got every message exactly once, in offset order' : 'FAILED'}`,
    );
  }
  for (const r of results) {
    if (!r.profileTop) continue;
    lines.push(`CPU profile of the ${r.kind} server during the paced phase (${r.profilePath}), self time:`);
    for (const f of r.profileTop)
      lines.push(
        `  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`,
      );
    lines.push(`inclusive time in the project's own functions (total, and per paced message):`);
    for (const f of r.profileInclusive ?? [])
      lines.push(
        `  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ` +
          `${(f.ms / MESSAGES).toFixed(2).padStart(6)} ms/msg  ${f.name}`,
      );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed ? 1 : 0;
}

watchdog(180_000, 'bench/fanout');
const results: Result[] = [];
try {
  for (const kind of kinds) results.push(await run(kind));
} catch (error) {
  process.stderr.write(`bench/fanout failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
process.exit(report(results));

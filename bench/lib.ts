/**
 * Shared plumbing for the benchmarks: child-process servers on free loopback ports, a
 * /metrics scraper, the benchmark WebSocket client, percentiles and a watchdog.
 *
 * Nothing here is imported by the server: the server under test runs unchanged
 * (services/standalone/src/main.ts) in its own process.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST = '127.0.0.1';

export type ServerKind = 'switchboard' | 'naive-ws' | 'raw-floor';

// ---- processes ------------------------------------------------------------------------------

/** `count` distinct free loopback ports (all held open together, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(0, HOST, () => res());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    servers.push(server);
    ports.push(address.port);
  }
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  return ports;
}

export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  wsUrl: string;
  metricsUrl: string;
  /** Inspector port, when started with `inspect`. */
  inspectPort: number | undefined;
  /** Everything the child wrote to stdout/stderr (last 64 KB). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface StartOptions {
  /** Extra node flags, e.g. --expose-gc, --cpu-prof. */
  nodeFlags?: string[];
  /** Extra environment (switchboard: SB_* overrides). */
  env?: Record<string, string>;
  /** Open the V8 inspector on a loopback port (used to force a GC remotely). */
  inspect?: boolean;
}

/**
 * Starts the server under test as a child process and waits for /readyz.
 * switchboard: the real entry point, services/standalone/src/main.ts, configured by env.
 * naive-ws and raw-floor: bench/naive-server.ts.
 */
export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<ServerProcess> {
  const [wsPort, httpPort, grpcPort, inspectPort] = await freePorts(options.inspect ? 4 : 3);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // loadConfig refuses unknown SB_* variables, and the caller's own settings must not leak in.
    if (value !== undefined && !key.startsWith('SB_') && !key.startsWith('BENCH_')) env[key] = value;
  }
  let script: string;
  if (kind === 'switchboard') {
    script = resolve(ROOT, 'services/standalone/src/main.ts');
    Object.assign(env, {
      SB_LOG_LEVEL: 'warn',
      SB_WS_HOST: HOST,
      SB_WS_PORT: String(wsPort),
      SB_HTTP_HOST: HOST,
      SB_HTTP_PORT: String(httpPort),
      // The gRPC server API would otherwise take 0.0.0.0:50051, which another run may hold.
      SB_GRPC_HOST: HOST,
      SB_GRPC_PORT: String(grpcPort),
      SB_MAX_CONNECTIONS: '1000000',
      // Every bench client comes from one address: per-IP limits would measure themselves.
      SB_MAX_UNAUTHENTICATED_PER_IP: '0',
      SB_USER_PUBLISH_RATE: '0',
      SB_CONNECTION_RATE: '100000',
      SB_CONNECTION_BURST: '100000',
      // Join/leave pushes are n² frames while a room fills; rooms above the (default 1000)
      // limit get none anyway, so this only shortens set-up — the steady state is unchanged.
      SB_PRESENCE_DIFF_MAX_MEMBERS: '0',
      SB_DRAIN_MS: '0',
    });
  } else {
    script = resolve(ROOT, 'bench/naive-server.ts');
    Object.assign(env, {
      BENCH_WS_PORT: String(wsPort),
      BENCH_HTTP_PORT: String(httpPort),
      BENCH_MODE: kind === 'raw-floor' ? 'floor' : 'naive',
    });
  }
  Object.assign(env, options.env ?? {});
  const flags = [...(options.nodeFlags ?? [])];
  if (options.inspect) flags.push(`--inspect=${HOST}:${inspectPort}`);
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', script], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      children.delete(child);
      res();
    });
  });

  const metricsUrl = `http://${HOST}:${httpPort}/metrics`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`${kind} exited during start-up (code ${exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} not ready after 60 s:\n${output}`);
    }
    const ready = await httpGet(`http://${HOST}:${httpPort}/readyz`, 1_000).catch(() => undefined);
    if (ready?.status === 200) break;
    await sleep(100);
  }

  return {
    kind,
    pid: child.pid ?? -1,
    wsUrl: `ws://${HOST}:${wsPort}`,
    metricsUrl,
    inspectPort: options.inspect ? inspectPort : undefined,
    output: () => output,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Kills every child and exits with `code` if the whole run takes longer than `ms`. */
export function watchdog(ms: number, name: string): void {
  setTimeout(() => {
    process.stderr.write(`${name}: still running after ${Math.round(ms / 1000)} s — giving up\n`);
    process.exit(2);
  }, ms).unref();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

// ---- HTTP and metrics ------------------------------------------------------------------------

export function httpGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        res({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', rej);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', rej);
    req.end();
  });
}

/** Prometheus text → sample value by `name{labels}` exactly as written. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

export async function scrape(server: ServerProcess): Promise<Map<string, number>> {
  const { status, body } = await httpGet(server.metricsUrl);
  if (status !== 200) throw new Error(`${server.metricsUrl}: HTTP ${status}`);
  return parseMetrics(body);
}

export interface Histogram {
  /** Cumulative counts by upper bound (seconds); the last bound is +Inf. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

/** A histogram without labels, from parsed metrics; `minus` subtracts an earlier scrape. */
export function histogram(samples: Map<string, number>, name: string, minus?: Histogram): Histogram {
  const buckets: Array<{ le: number; count: number }> = [];
  const prefix = `${name}_bucket{le="`;
  for (const [key, value] of samples) {
    if (!key.startsWith(prefix)) continue;
    const le = key.slice(prefix.length, key.indexOf('"', prefix.length));
    buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: value });
  }
  buckets.sort((a, b) => a.le - b.le);
  const result: Histogram = {
    buckets,
    sum: samples.get(`${name}_sum`) ?? 0,
    count: samples.get(`${name}_count`) ?? 0,
  };
  if (!minus) return result;
  return {
    buckets: buckets.map((b, i) => ({ le: b.le, count: b.count - (minus.buckets[i]?.count ?? 0) })),
    sum: result.sum - minus.sum,
    count: result.count - minus.count,
  };
}

/** The upper bound of the bucket holding quantile `q` (what Prometheus can tell without interpolating). */
export function bucketQuantile(h: Histogram, q: number): number {
  const rank = q * h.count;
  for (const b of h.buckets) if (b.count >= rank) return b.le;
  return Number.POSITIVE_INFINITY;
}

// ---- numbers ----------------------------------------------------------------------------------

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function ms(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : 'n/a';
  return `${value.toFixed(digits)} ms`;
}

export function bytes(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(value / 1024).toFixed(2)} KiB`;
  return `${Math.round(value)} B`;
}

export function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a';
}

// ---- client -------------------------------------------------------------------------------------

export type Frame = Record<string, unknown>;

/**
 * A benchmark client connection: sends commands with ids and resolves their replies; every
 * other frame goes to `onPush` with its receive time.
 */
export class BenchClient {
  readonly ws: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  /** Frames that are not replies, with the time (performance.now()) the client got them. */
  onPush: ((frame: Frame, receivedAt: number) => void) | undefined;
  closed = false;
  closeInfo = '';

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      // Taken before any parsing: the receive time of a delivery.
      const receivedAt = performance.now();
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      const id = frame['id'];
      if (typeof id === 'number' && ('result' in frame || 'error' in frame)) {
        const pending = this.#pending.get(id);
        if (pending) {
          this.#pending.delete(id);
          pending.resolve(frame);
          return;
        }
      }
      this.onPush?.(frame, receivedAt);
    });
    ws.on('close', (code, reason) => {
      this.closed = true;
      this.closeInfo = `${code} ${reason.toString()}`;
      for (const pending of this.#pending.values()) pending.reject(new Error(`closed: ${this.closeInfo}`));
      this.#pending.clear();
    });
    ws.on('error', () => {
      // 'close' follows and rejects what is pending.
    });
  }

  static open(url: string, protocol: string): Promise<BenchClient> {
    return new Promise((res, rej) => {
      const ws = new WebSocket(url, protocol, { perMessageDeflate: false, handshakeTimeout: 15_000 });
      ws.once('open', () => res(new BenchClient(ws)));
      ws.once('error', rej);
    });
  }

  /** Sends a command; resolves with its result, rejects on an error reply. */
  command(body: Frame): Promise<Frame> {
    const id = this.#nextId++;
    return new Promise((res, rej) => {
      this.#pending.set(id, {
        resolve: (frame) => {
          if ('error' in frame) rej(new Error(`${String(body['op'])}: ${JSON.stringify(frame['error'])}`));
          else res((frame['result'] ?? {}) as Frame);
        },
        reject: rej,
      });
      this.ws.send(JSON.stringify({ ...body, id }));
    });
  }

  /** Opens, connects and joins `room` (commands pipelined: one round trip). */
  static async member(url: string, protocol: string, token: string, room: string): Promise<BenchClient> {
    const client = await BenchClient.open(url, protocol);
    await Promise.all([client.command({ op: 'connect', token }), client.command({ op: 'join', room })]);
    return client;
  }

  close(): void {
    if (!this.closed) this.ws.terminate();
  }
}

/** Runs `open(i)` for i in [0, n) in batches of `batch` concurrent opens (no SYN floods). */
export async function inBatches<T>(n: number, batch: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const opened = await Promise.all(Array.from({ length: end - start }, (_, k) => open(start + k)));
    out.push(...opened);
  }
  return out;
}

// ---- inspector ------------------------------------------------------------------------------------

/**
 * A Chrome DevTools Protocol session on a child started with `inspect`: lets the benchmark
 * force a full GC (HeapProfiler.collectGarbage) or take a heap snapshot without any code in
 * the server.
 */
export class Inspector {
  readonly #ws: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, (result: Frame) => void>();
  onEvent: ((method: string, params: Frame) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as Frame;
      const id = msg['id'];
      if (typeof id === 'number') {
        this.#pending.get(id)?.((msg['result'] ?? {}) as Frame);
        this.#pending.delete(id);
      } else if (typeof msg['method'] === 'string') {
        this.onEvent?.(msg['method'], (msg['params'] ?? {}) as Frame);
      }
    });
  }

  static async attach(port: number): Promise<Inspector> {
    const { body } = await httpGet(`http://${HOST}:${port}/json/list`);
    const targets = JSON.parse(body) as Array<{ webSocketDebuggerUrl?: string }>;
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error('no inspector target');
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return new Inspector(ws);
  }

  call(method: string, params: Frame = {}): Promise<Frame> {
    const id = this.#nextId++;
    return new Promise((res) => {
      this.#pending.set(id, res);
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async collectGarbage(): Promise<void> {
    await this.call('HeapProfiler.collectGarbage');
  }

  close(): void {
    this.#ws.close();
  }
}

// ---- CPU accounting and profiles -------------------------------------------------------------------

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5), counted from the state field (3) here: utime, stime in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS = 100;

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS); NaN elsewhere. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** "function file" for a profile node; project files without line numbers (tsx maps them to line 1). */
function frameLabel(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
  const short = file.includes('node_modules/')
    ? file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : file;
  const where = short === '' ? '' : short.endsWith('.ts') ? short : `${short}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

export interface ProfileRow {
  name: string;
  ms: number;
  share: number;
}

/** Self time by function, largest first, with each one's share of the sampled time. */
export function topSelfTime(profile: CpuProfile, limit: number): ProfileRow[] {
  const label = new Map(profile.nodes.map((node) => [node.id, frameLabel(node)]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const key = label.get(profile.samples[i]!) ?? '?';
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, value]) => ({ name, ms: value, share: total > 0 ? value / total : 0 }));
}

/**
 * Inclusive (self + callees) time of the functions in the project's own files (packages/,
 * services/), largest first: e.g. how long the edge spends in its fan-out per message.
 */
export function topInclusiveTime(profile: CpuProfile, limit: number): ProfileRow[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const own = (node: CpuProfileNode) => /\/(packages|services)\/[^/]+\/src\//.test(node.callFrame.url);
  const inclusive = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (!node || !own(node)) continue;
      const key = frameLabel(node);
      if (seen.has(key)) continue; // recursion counts once
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  return [...inclusive.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, value]) => ({ name, ms: value, share: total > 0 ? value / total : 0 }));
}

// ---- lean member client ------------------------------------------------------------------------------

/** One reused read buffer for every RawMember socket: reads are handled synchronously. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** A client → server frame (clients must mask). */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

/**
 * A minimal WebSocket client for the many receiving members of the fan-out benchmark:
 * `net` with `onread` into one shared buffer and a hand-rolled frame parser, so the load
 * generator spends as little as possible per delivery (a `ws` client costs several times
 * more, and on a 2-core box the load generator's cost per delivery is part of the latency
 * it measures). Handles text, ping (answers pong) and close frames from the server; server
 * frames are never masked or fragmented by `ws`.
 */
export class RawMember {
  readonly socket: Socket;
  closed = false;
  closeInfo = '';
  /** Every text frame, with the time (performance.now()) its read began. */
  onText: (text: string, receivedAt: number) => void = () => {};
  #handshaken = false;
  #rest: Buffer | undefined;
  #opened: { resolve: () => void; reject: (e: Error) => void } | undefined;

  private constructor(host: string, port: number, path: string, protocol: string, extraHeaders: string) {
    const key = randomBytes(16).toString('base64');
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.#onRead(n, buf) },
    });
    this.socket.once('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          (protocol === '' ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
          `${extraHeaders}\r\n`,
      );
    });
    const fail = (reason: string) => {
      if (!this.closed) {
        this.closed = true;
        this.closeInfo ||= reason;
      }
      this.#opened?.reject(new Error(`connection failed: ${this.closeInfo}`));
      this.#opened = undefined;
    };
    this.socket.on('error', (error) => fail(error.message));
    this.socket.on('close', () => fail('socket closed'));
  }

  /**
   * `url`'s path and query are the request target; `protocol` '' sends no subprotocol header;
   * `extraHeaders`: more request header lines, each ending in CRLF (a browser's cookies, a
   * bearer token).
   */
  static open(url: string, protocol: string, extraHeaders = ''): Promise<RawMember> {
    const { hostname, port, pathname, search } = new URL(url);
    const member = new RawMember(hostname, Number(port), `${pathname}${search}`, protocol, extraHeaders);
    return new Promise((resolve, reject) => {
      member.#opened = { resolve: () => resolve(member), reject };
    });
  }

  /** Opens, sends connect and join pipelined, and resolves once both are acknowledged. */
  static async member(
    url: string,
    protocol: string,
    token: string,
    room: string,
    extraHeaders = '',
  ): Promise<RawMember> {
    const member = await RawMember.open(url, protocol, extraHeaders);
    await new Promise<void>((resolve, reject) => {
      let acknowledged = 0;
      member.onText = (text) => {
        const frame = JSON.parse(text) as Frame;
        if (typeof frame['id'] !== 'number') return;
        if ('error' in frame) reject(new Error(`member set-up: ${JSON.stringify(frame['error'])}`));
        else if (++acknowledged === 2) resolve();
      };
      member.send(JSON.stringify({ op: 'connect', id: 1, token }));
      member.send(JSON.stringify({ op: 'join', id: 2, room }));
      member.socket.once('close', () => reject(new Error(`member set-up: closed ${member.closeInfo}`)));
    });
    member.onText = () => {};
    return member;
  }

  send(text: string): void {
    this.socket.write(maskedFrame(0x1, Buffer.from(text)));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  #onRead(n: number, buf: Uint8Array): boolean {
    const receivedAt = performance.now();
    const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
    let data = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    this.#rest = undefined;
    if (!this.#handshaken) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#rest = Buffer.from(data);
        return true;
      }
      const head = data.toString('latin1', 0, end);
      if (!head.startsWith('HTTP/1.1 101')) {
        this.closeInfo = head.split('\r\n')[0] ?? 'bad handshake';
        this.socket.destroy();
        return false;
      }
      this.#handshaken = true;
      data = data.subarray(end + 4);
      this.#opened?.resolve();
      this.#opened = undefined;
    }
    let pos = 0;
    while (data.length - pos >= 2) {
      const b0 = data[pos]!;
      let len = data[pos + 1]! & 0x7f;
      let head = 2;
      if (len === 126) {
        if (data.length - pos < 4) break;
        len = data.readUInt16BE(pos + 2);
        head = 4;
      } else if (len === 127) {
        if (data.length - pos < 10) break;
        len = Number(data.readBigUInt64BE(pos + 2));
        head = 10;
      }
      if (data.length - pos < head + len) break;
      const payload = data.subarray(pos + head, pos + head + len);
      pos += head + len;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x80) === 0 || opcode === 0)
        throw new Error('fragmented frames are not expected from the server');
      if (opcode === 0x1) this.onText(payload.toString('utf8'), receivedAt);
      else if (opcode === 0x9) this.socket.write(maskedFrame(0xa, Buffer.from(payload)));
      else if (opcode === 0x8) {
        this.closed = true;
        this.closeInfo = `${payload.length >= 2 ? payload.readUInt16BE(0) : 1005} ${payload.subarray(2).toString('utf8')}`;
      }
    }
    // What is left belongs to the next read: copy it out of the shared buffer.
    if (pos < data.length) this.#rest = Buffer.from(data.subarray(pos));
    return true;
  }
}

/** Whole-machine CPU seconds from /proc/stat: busy (user+nice+system) and steal. */
export function machineCpu(): { busy: number; steal: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user = 0, nice = 0, system = 0, , , , , steal = 0] = fields;
    return { busy: (user + nice + system) / CLOCK_TICKS, steal: steal / CLOCK_TICKS };
  } catch {
    return { busy: Number.NaN, steal: Number.NaN };
  }
}

/**
 * Waits (up to `maxWaitMs`) for a second in which the rest of the machine — everything but
 * this process and `pids` — used less than `threshold` of a core. Other people's test runs on
 * a shared 2-core box would otherwise be measured as latency. Returns the last share seen.
 */
export async function waitForQuiet(pids: number[], maxWaitMs: number, threshold = 0.15): Promise<number> {
  const deadline = performance.now() + maxWaitMs;
  let share = Number.NaN;
  for (;;) {
    const m0 = machineCpu();
    const own0 = process.cpuUsage();
    const kids0 = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const t0 = performance.now();
    await sleep(1_000);
    const own = process.cpuUsage(own0);
    const kids = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - kids0;
    const elapsed = (performance.now() - t0) / 1000;
    share = (machineCpu().busy - m0.busy - (own.user + own.system) / 1e6 - kids) / elapsed;
    if (!(share >= threshold) || performance.now() > deadline) return share;
  }
}

/** The commit measured, and whether the server's sources had uncommitted changes. */
export function codeVersion(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'services'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${commit} + uncommitted changes` : commit;
  } catch {
    return 'unknown commit';
  }
}

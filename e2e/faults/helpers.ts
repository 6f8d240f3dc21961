import {
  type ClientEvents,
  type ClientOptions,
  type PublishOptions,
  SwitchboardClient,
  type UnrecoveredEvent,
} from '@switchboard/client';
import type { JsonValue, MessagePush, PublishResult } from '@switchboard/protocol';
import { type Cluster, type ClusterProcess, type Readiness, startCluster } from '@switchboard/testing';
import { afterAll, afterEach, beforeAll, beforeEach, expect, onTestFailed } from 'vitest';
import { WebSocket } from 'ws';

/**
 * Shared by the fault tests: SDK clients as real users have them, a publisher that keeps
 * publishing (retrying with the same idempotency key until acked), event-driven waits and the
 * exactly-once checks. Figures are printed with `report` so a run shows what it measured.
 */

/** Settings every fault cluster uses (each file adds its own). */
export const FAULT_ENV: Readonly<Record<string, string>> = {
  // Edge→service requests give up fast, so a dead router costs a publish ~1 s, not 5 s.
  SB_REQUEST_TIMEOUT_MS: '1000',
  // The history window must cover every outage a test makes (a few seconds at 50 msg/s).
  SB_HISTORY_SIZE: '2000',
  // A publisher every 20 ms is 50 frames/s, the default per-connection limit; leave headroom.
  SB_CONNECTION_RATE: '200',
  SB_CONNECTION_BURST: '400',
  SB_USER_PUBLISH_RATE: '0',
  SB_LOG_LEVEL: 'info',
};

/** What a fault test file works with; both are there once its `beforeAll` has run. */
export interface FaultCluster {
  readonly cluster: Cluster;
  readonly clients: Clients;
}

/**
 * The setup every fault test file shares, registered as hooks of the file: one cluster of two
 * edges and two routers with FAULT_ENV (and `env` on top) for all its tests; before each test,
 * a wait until the cluster is whole again (a previous test may have killed a part) and, should
 * the test fail, the tails of the `logs` named; after each, its clients closed; after all,
 * everything stopped.
 */
export function useFaultCluster(options: {
  env?: Readonly<Record<string, string>>;
  logs: readonly string[];
  /** nats-server processes (default 1; more form a NATS cluster). */
  natsNodes?: number;
}): FaultCluster {
  let cluster: Cluster | undefined;
  let clients: Clients | undefined;
  const fault: FaultCluster = {
    get cluster() {
      if (!cluster) throw new Error('the fault cluster is not started (see the beforeAll error)');
      return cluster;
    },
    get clients() {
      if (!clients) throw new Error('the fault cluster is not started (see the beforeAll error)');
      return clients;
    },
  };

  beforeAll(async () => {
    cluster = await startCluster({
      edges: 2,
      routers: 2,
      env: { ...FAULT_ENV, ...options.env },
      ...(options.natsNodes !== undefined ? { natsNodes: options.natsNodes } : {}),
    });
    clients = new Clients(cluster);
  }, 90_000);

  beforeEach(async () => {
    // Every test starts from a whole cluster (a previous one may have killed a part of it).
    await fault.cluster.waitReady(30_000);
    onTestFailed(() => dumpLogs(fault.cluster, options.logs));
  });

  afterEach(async () => {
    await fault.clients.closeAll();
  });

  afterAll(async () => {
    await clients?.closeAll();
    await cluster?.stop();
  }, 30_000);

  return fault;
}

/** Client settings: quick reconnects, but generous timeouts for a loaded 2-core box. */
const CLIENT_DEFAULTS: Partial<ClientOptions> = {
  reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 'full' },
  requestTimeoutMs: 8_000,
  connectTimeoutMs: 8_000,
  heartbeatGraceMs: 10_000,
};

export class Clients {
  readonly #cluster: Cluster;
  readonly #all: SwitchboardClient[] = [];

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** A client for `user` on `url` (default: through HAProxy). Not connected yet. */
  make(user: string, url?: string, options: Partial<ClientOptions> = {}): SwitchboardClient {
    const client = new SwitchboardClient({
      url: url ?? this.#cluster.wsUrl,
      token: () => this.#cluster.token(user),
      WebSocket,
      ...CLIENT_DEFAULTS,
      ...options,
    });
    // Errors are expected while processes die; the tests check outcomes, not this stream.
    client.on('error', () => {});
    this.#all.push(client);
    return client;
  }

  /** Connected, and joined to `room`. */
  async joined(
    user: string,
    room: string,
    url?: string,
    options: Partial<ClientOptions> & { presence?: boolean } = {},
  ): Promise<Subscriber> {
    const { presence, ...clientOptions } = options;
    const client = this.make(user, url, clientOptions);
    const subscriber = new Subscriber(client, room);
    await client.connect();
    await client.join(room, presence ? { presence: true } : {});
    return subscriber;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#all.splice(0).map((c) => c.disconnect().catch(() => [])));
  }
}

/** Records what one client gets in one room. */
export class Subscriber {
  readonly client: SwitchboardClient;
  readonly room: string;
  readonly messages: MessagePush[] = [];
  readonly unrecovered: UnrecoveredEvent[] = [];
  readonly joins: Array<ClientEvents['joined'] & { at: number }> = [];
  readonly #waiters = new Set<() => void>();

  constructor(client: SwitchboardClient, room: string) {
    this.client = client;
    this.room = room;
    client.on('message', (m) => {
      if (m.room === room) this.messages.push(m);
      this.#wake();
    });
    client.on('unrecovered', (e) => {
      if (e.room === room) this.unrecovered.push(e);
      this.#wake();
    });
    client.on('joined', (e) => {
      if (e.room === room) this.joins.push({ ...e, at: Date.now() });
      this.#wake();
    });
    client.on('state', () => this.#wake());
    client.on('presence', () => this.#wake());
  }

  /** The edge this client is connected to right now (from its connect result). */
  get node(): string | undefined {
    return this.client.connection?.node;
  }

  get lastOffset(): number {
    return this.messages.at(-1)?.offset ?? 0;
  }

  /** Resolves once `check` holds, re-checked on every event of this client (and every 250 ms). */
  until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => test(), 250);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.#waiters.delete(test);
      };
      const test = () => {
        if (!check()) return;
        finish();
        resolve();
      };
      this.#waiters.add(test);
      test();
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

export interface Ack {
  seq: number;
  offset: number;
  epoch: string;
  duplicate: boolean;
  attempts: number;
  /** From the first attempt to the ack, ms. */
  latencyMs: number;
  ackedAt: number;
}

/**
 * Publishes `count` messages `{pub, seq}` to `room`, one every `intervalMs` (not waiting for
 * acks: steady traffic), each with its own idempotency key. A publish that fails (timeout,
 * service unavailable, connection lost) is retried with the SAME key until acked, as an app
 * following the SDK's advice does; the server must never store it twice.
 */
export class Publisher {
  readonly name: string;
  readonly count: number;
  readonly acks: Ack[] = [];
  readonly failures: Array<{ seq: number; error: string; at: number }> = [];
  readonly done: Promise<void>;
  readonly #client: SwitchboardClient;
  readonly #room: string;
  readonly #waiters = new Set<() => void>();
  #stopped = false;

  constructor(
    client: SwitchboardClient,
    room: string,
    options: { count: number; intervalMs: number; name?: string; retryDelayMs?: number },
  ) {
    this.#client = client;
    this.#room = room;
    this.count = options.count;
    this.name = options.name ?? `pub-${Math.random().toString(36).slice(2, 8)}`;
    this.done = this.#run(options.count, options.intervalMs, options.retryDelayMs ?? 200);
    this.done.catch(() => {});
  }

  get acked(): number {
    return this.acks.length;
  }

  /** Resolves once at least `n` publishes are acked. */
  untilAcked(n: number, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${n} acks (have ${this.acks.length})`));
      }, timeoutMs);
      const check = () => {
        if (this.acks.length < n) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.#stopped = true;
  }

  async #run(count: number, intervalMs: number, retryDelayMs: number): Promise<void> {
    const inFlight: Array<Promise<void>> = [];
    const started = Date.now();
    for (let seq = 0; seq < count && !this.#stopped; seq++) {
      inFlight.push(this.#publishUntilAcked(seq, `${this.name}-${seq}`, retryDelayMs));
      // Paced against the start time, so a slow tick does not stretch the whole run.
      const wait = started + (seq + 1) * intervalMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(inFlight);
  }

  async #publishUntilAcked(seq: number, key: string, retryDelayMs: number): Promise<void> {
    const first = Date.now();
    const options: PublishOptions = { key };
    const data = { pub: this.name, seq } satisfies JsonValue;
    for (let attempt = 1; ; attempt++) {
      if (this.#stopped) return;
      let result: PublishResult;
      try {
        result = await this.#client.publish(this.#room, 'tick', data, options);
      } catch (error) {
        this.failures.push({
          seq,
          error: error instanceof Error ? error.message : String(error),
          at: Date.now(),
        });
        await sleep(retryDelayMs);
        continue;
      }
      const now = Date.now();
      this.acks.push({
        seq,
        offset: result.offset,
        epoch: result.epoch,
        duplicate: result.duplicate === true,
        attempts: attempt,
        latencyMs: now - first,
        ackedAt: now,
      });
      for (const waiter of [...this.#waiters]) waiter();
      return;
    }
  }
}

/**
 * Three subscribers through HAProxy, and `publishers` publishers connected straight to each
 * edge in turn, publishing `count` messages each.
 */
export async function traffic(
  fault: FaultCluster,
  room: string,
  options: { publishers: number; count: number; intervalMs: number },
) {
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < 3; i++) subscribers.push(await fault.clients.joined(`sub-${i}`, room));
  const publishers: Publisher[] = [];
  for (let i = 0; i < options.publishers; i++) {
    const client = fault.clients.make(
      `publisher-${i}`,
      fault.cluster.edgeUrls[i % fault.cluster.edgeUrls.length],
    );
    await client.connect();
    publishers.push(
      new Publisher(client, room, { count: options.count, intervalMs: options.intervalMs, name: `p${i}` }),
    );
  }
  return { subscribers, publishers };
}

/** Every acked publish once in history and, in that order, at every subscriber. */
export async function expectExactlyOnce(
  fault: FaultCluster,
  room: string,
  subscribers: Subscriber[],
  publishers: Publisher[],
) {
  await Promise.all(publishers.map((p) => p.done));
  const n = expectAcksAre1toN(publishers);
  expect(n).toBe(publishers.reduce((sum, p) => sum + p.count, 0));
  for (const s of subscribers)
    await s.until(() => s.lastOffset >= n, `subscriber on ${s.node} to reach ${n}`);
  for (const s of subscribers) {
    expectOffsets1toN(s, n);
    expect(s.unrecovered).toEqual([]);
  }
  const history = await readHistory(fault.clients, room);
  expectEachPublishOnce(history, publishers);
  for (const s of subscribers) expect(s.messages.map((m) => m.data)).toEqual(history.map((m) => m.data));
  return n;
}

/** Every offset from 1 to n exactly once, in order, all in one epoch. */
export function expectOffsets1toN(sub: Subscriber, n: number): void {
  const offsets = sub.messages.map((m) => m.offset);
  const expected = Array.from({ length: n }, (_, i) => i + 1);
  if (offsets.length !== n || offsets.some((o, i) => o !== expected[i])) {
    // A readable summary instead of a 1000-element diff.
    throw new Error(`${sub.client.connection?.user ?? 'subscriber'}: ${describeSequence(offsets, n)}`);
  }
  expect(new Set(sub.messages.map((m) => m.epoch)).size).toBe(1);
}

/** What is wrong with a sequence of offsets that should be 1..n. */
export function describeSequence(offsets: readonly number[], n: number): string {
  const seen = new Map<number, number>();
  for (const o of offsets) seen.set(o, (seen.get(o) ?? 0) + 1);
  const missing: number[] = [];
  for (let o = 1; o <= n; o++) if (!seen.has(o)) missing.push(o);
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([o]) => o);
  const outOfOrder = offsets.filter((o, i) => i > 0 && o <= offsets[i - 1]!).length;
  return (
    `got ${offsets.length} messages for 1..${n}: missing [${missing.slice(0, 20).join(',')}]` +
    `${missing.length > 20 ? '…' : ''}, duplicated [${duplicated.slice(0, 20).join(',')}], ` +
    `${outOfOrder} out of order`
  );
}

/** The room's whole history (oldest first), read by a fresh client. */
export async function readHistory(clients: Clients, room: string, url?: string): Promise<MessagePush[]> {
  const reader = clients.make('auditor', url);
  await reader.connect();
  const out = await allHistory(reader, room);
  await reader.disconnect();
  return out;
}

/** Every stored message of `room`, a page of 1,000 at a time, through a connected client. */
export async function allHistory(reader: SwitchboardClient, room: string): Promise<MessagePush[]> {
  const out: MessagePush[] = [];
  for (;;) {
    const last = out.at(-1);
    const page = await reader.history(room, {
      limit: 1000,
      ...(last ? { since: { offset: last.offset, epoch: last.epoch } } : {}),
    });
    out.push(...page.messages);
    if (page.messages.length < 1000) return out;
  }
}

/** Each publisher's seqs 0..count-1 exactly once in `messages`, nothing else. */
export function expectEachPublishOnce(
  messages: readonly MessagePush[],
  publishers: readonly Publisher[],
): void {
  const counts = new Map<string, number>();
  for (const m of messages) {
    const { pub, seq } = m.data as { pub: string; seq: number };
    counts.set(`${pub}#${seq}`, (counts.get(`${pub}#${seq}`) ?? 0) + 1);
  }
  const missing: string[] = [];
  for (const p of publishers) {
    for (let seq = 0; seq < p.count; seq++)
      if (!counts.has(`${p.name}#${seq}`)) missing.push(`${p.name}#${seq}`);
  }
  const twice = [...counts].filter(([, c]) => c > 1).map(([k]) => k);
  const total = publishers.reduce((sum, p) => sum + p.count, 0);
  expect({ missing, twice, stored: messages.length }).toEqual({ missing: [], twice: [], stored: total });
}

/** Every acked publish has its own offset, and together they are exactly 1..n. */
export function expectAcksAre1toN(publishers: readonly Publisher[]): number {
  const offsets = publishers.flatMap((p) => p.acks.map((a) => a.offset)).sort((a, b) => a - b);
  expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i + 1));
  return offsets.length;
}

/**
 * Polls the readiness of `processes` every 100 ms and records, per process, when /readyz first
 * went false and when it was true again after that.
 */
export class ReadinessWatch {
  readonly down = new Map<string, { at: number; reasons: string[] }>();
  readonly up = new Map<string, number>();
  #running = true;
  readonly #loop: Promise<void>;

  constructor(processes: readonly ClusterProcess[]) {
    this.#loop = (async () => {
      while (this.#running) {
        const states: Array<[string, Readiness]> = await Promise.all(
          processes.map(async (p) => [p.name, await p.readyz()] as [string, Readiness]),
        );
        const now = Date.now();
        for (const [name, state] of states) {
          if (!state.ready && !this.down.has(name)) this.down.set(name, { at: now, reasons: state.reasons });
          if (state.ready && this.down.has(name) && !this.up.has(name)) this.up.set(name, now);
        }
        await sleep(100);
      }
    })();
  }

  allDown(names: readonly string[]): boolean {
    return names.every((n) => this.down.has(n));
  }

  allBackUp(names: readonly string[]): boolean {
    return names.every((n) => this.up.has(n));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }
}

/** Polls `check` every 50 ms (for state that has no event: readiness, HAProxy's view). */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Prints a measured figure in a form that is easy to grep from a CI log. */
export function report(test: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v) : v}`);
  console.log(`[fault-figures] ${test}: ${parts.join(' ')}`);
}

/** On failure, the tails of the logs that explain it. */
export async function dumpLogs(cluster: Cluster, names: readonly string[]): Promise<void> {
  for (const name of names) {
    console.log(`----- ${name} (last lines) -----\n${await cluster.logTail(name, 30)}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { fileURLToPath } from 'node:url';
import { GrpcServerClient } from '@switchboard/server-sdk';
import {
  type Cluster,
  connectSocket,
  openSocket,
  startCluster,
  startSwitchboard,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type ApiProcess, startApiProcess } from './api-process.js';
import {
  type DocumentedMetric,
  documentedMetrics,
  fingerprint,
  labelNames,
  type Role,
  type Scrape,
  scrape,
} from './scrape.js';

const DOC = fileURLToPath(new URL('../../docs/metrics.md', import.meta.url));

const metrics = documentedMetrics(DOC);

/** Every scrape of every process, first one first: a metric "moved" when a later one differs. */
class Scrapes {
  readonly #byProcess = new Map<string, { role: Role; scrapes: Scrape[] }>();

  async take(name: string, role: Role, httpUrl: string): Promise<Scrape> {
    const result = await scrape(httpUrl);
    const entry = this.#byProcess.get(name) ?? { role, scrapes: [] };
    entry.scrapes.push(result);
    this.#byProcess.set(name, entry);
    return result;
  }

  #ofRoles(roles: readonly Role[]) {
    return [...this.#byProcess.entries()].filter(([, e]) => roles.includes(e.role));
  }

  /** Roles (of the metric's) where no scrape of any process had the family. */
  missing(metric: DocumentedMetric): Role[] {
    return metric.roles.filter(
      (role) => !this.#ofRoles([role]).some(([, e]) => e.scrapes.some((s) => s.has(metric.name))),
    );
  }

  moved(metric: DocumentedMetric): boolean {
    return this.#ofRoles(metric.roles).some(([, e]) => {
      const first = fingerprint(e.scrapes[0]!, metric.name);
      return e.scrapes.slice(1).some((s) => fingerprint(s, metric.name) !== first);
    });
  }

  family(metric: DocumentedMetric) {
    for (const [, e] of this.#ofRoles(metric.roles)) {
      for (const s of e.scrapes.toReversed()) {
        const family = s.get(metric.name);
        if (family && family.samples.length > 0) return family;
      }
    }
    return undefined;
  }

  latest(name: string): Scrape {
    const entry = this.#byProcess.get(name);
    if (!entry) throw new Error(`no scrape of ${name}`);
    return entry.scrapes.at(-1)!;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function value(s: Scrape, name: string, labels = ''): number {
  return [...s.values()]
    .flatMap((family) => family.samples)
    .filter((x) => x.name === name && x.labels.includes(labels))
    .reduce((sum, x) => sum + x.value, 0);
}

describe('metrics: every documented metric on every role of a real cluster', () => {
  let cluster: Cluster;
  let api: ApiProcess | undefined;
  let apiHttp = '';
  let apiGrpc = '';
  const scrapes = new Scrapes();

  const scrapeAll = async (roles: readonly Role[] = ['edge', 'auth', 'router', 'presence', 'api']) => {
    for (const p of cluster.processes) {
      if (roles.includes(p.role) && p.running) await scrapes.take(p.name, p.role, p.httpUrl);
    }
    if (roles.includes('api')) await scrapes.take('api-1', 'api', apiHttp);
  };

  beforeAll(async () => {
    cluster = await startCluster({
      edges: 1,
      routers: 1,
      env: {
        SB_HISTORY_SIZE: '3',
        SB_PRESENCE_TTL_MS: '3000',
        // Long enough that the paused slow consumer is closed for its buffer, not for missed pings.
        SB_PING_INTERVAL_MS: '10000',
        SB_OUTBOUND_MAX_BYTES: '262144',
        SB_CONNECTION_RATE: '10000',
        SB_CONNECTION_BURST: '10000',
        SB_USER_PUBLISH_RATE: '0',
      },
    });
    api = await startApiProcess(cluster);
    apiHttp = api.httpUrl;
    apiGrpc = api.grpcUrl;
  }, 120_000);

  afterAll(async () => {
    api?.stop();
    await cluster?.stop();
  }, 60_000);

  it('documents each metric once, with a conventional name', () => {
    expect(metrics.length).toBeGreaterThan(20);
    const names = metrics.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of metrics) {
      expect(m.name).toMatch(/^switchboard_[a-z0-9_]+$/);
      if (m.type === 'counter') expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
      if (m.type === 'histogram') expect(m.name).toMatch(/_(seconds|bytes)$/);
    }
  });

  it('exports them all, and each moves when its event happens', async () => {
    await scrapeAll();
    const edgeUrl = cluster.edgeUrls[0]!;

    // Auth: a bad token (auth failure, token_invalid) and good ones.
    const bad = await openSocket(edgeUrl);
    expect((await bad.request({ op: 'connect', token: 'not-a-jwt' })).error).toBeDefined();
    bad.close();
    const alice = await connectSocket(edgeUrl, cluster.token('alice'));
    const bob = await connectSocket(edgeUrl, cluster.token('bob'));
    await bob.call({ op: 'join', room: 'obs' });

    // History: five messages into a window of three (trims), one retried key (duplicate).
    let last = { offset: 0, epoch: '' };
    for (let i = 0; i < 5; i++) last = await alice.call({ op: 'publish', room: 'obs', event: 'e', data: i });
    await alice.call({ op: 'publish', room: 'obs', event: 'e', data: 'k', key: 'same' });
    const dup = await alice.call({ op: 'publish', room: 'obs', event: 'e', data: 'k', key: 'same' });
    expect(dup.duplicate).toBe(true);
    await bob.push('msg', (m) => m.offset === last.offset);

    // Recovery: from the head (recovered), from trimmed history, from another epoch.
    await alice.call({ op: 'join', room: 'obs', since: { epoch: dup.epoch, offset: dup.offset } });
    await alice.call({ op: 'leave', room: 'obs' });
    await alice.call({ op: 'join', room: 'obs', since: { epoch: last.epoch, offset: 0 } });
    await alice.call({ op: 'leave', room: 'obs' });
    await alice.call({ op: 'join', room: 'obs', since: { epoch: 'another-epoch', offset: 1 } });

    // The server API over gRPC.
    const grpc = new GrpcServerClient({ url: apiGrpc, apiKey: API_KEY });
    await grpc.info();
    await grpc.publish({ room: 'obs', event: 'api', data: 1 });
    await grpc.close();

    // A slow consumer: it stops reading while big messages arrive.
    const slow = await connectSocket(edgeUrl, cluster.token('slow'));
    await slow.call({ op: 'join', room: 'firehose' });
    (slow.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const payload = 'y'.repeat(50_000);
    const edge = cluster.edges[0]!;
    await until(
      'the slow consumer to be closed',
      async () => {
        await Promise.all(
          Array.from({ length: 10 }, () =>
            alice.call({ op: 'publish', room: 'firehose', event: 'e', data: payload }),
          ),
        );
        return value(await scrape(edge.httpUrl), 'switchboard_edge_slow_consumer_closes_total') > 0;
      },
      30_000,
    );

    // Presence sweeps and the heartbeat sweep's buffer samples happen on their own.
    await until(
      'a heartbeat sweep',
      async () => {
        const s = await scrape(edge.httpUrl);
        return value(s, 'switchboard_edge_outbound_buffer_bytes_count') > 0;
      },
      30_000,
    );
    await scrapeAll();

    // An edge that dies leaves presence entries behind: a sweep expires them.
    await edge.kill();
    const presence = cluster.presence[0]!;
    await until(
      'expired presence entries',
      async () =>
        value(
          await scrape(presence.httpUrl),
          'switchboard_presence_entry_changes_total',
          'change="expired"',
        ) > 0,
    );
    alice.close();
    bob.close();

    // Redis and NATS go down: connection gauges, error counters and readiness follow.
    await cluster.redis.kill();
    const router = cluster.routers[0]!;
    await until(
      'Redis errors on the router',
      async () => value(await scrape(router.httpUrl), 'switchboard_redis_errors_total') > 0,
    );
    await scrapeAll();
    await cluster.nats.kill();
    await until(
      'the NATS disconnect on the router',
      async () => value(await scrape(router.httpUrl), 'switchboard_nats_disconnects_total') > 0,
    );
    await until(
      'the api to see NATS down',
      async () => value(await scrape(apiHttp), 'switchboard_nats_connected') === 0,
    );
    await scrapeAll();

    const problems: string[] = [];
    for (const m of metrics) {
      const missing = scrapes.missing(m);
      if (missing.length > 0) problems.push(`${m.name}: missing on ${missing.join(', ')}`);
      const family = scrapes.family(m);
      if (family) {
        if (family.type !== m.type) problems.push(`${m.name}: type ${family.type}, documented ${m.type}`);
        const labels = labelNames(family);
        if (labels.join() !== [...m.labels].sort().join())
          problems.push(`${m.name}: labels ${labels.join()}, documented ${m.labels.join()}`);
      }
      // Metrics documented as "Set once at start" (build info, limits) are constant; every other must move.
      if (!m.constant && !scrapes.moved(m)) problems.push(`${m.name}: never moved`);
    }
    expect(problems).toEqual([]);

    const router1 = scrapes.latest('router-1');
    expect(value(router1, 'switchboard_router_recoveries_total', 'outcome="recovered"')).toBeGreaterThan(0);
    expect(value(router1, 'switchboard_router_recoveries_total', 'reason="trimmed"')).toBeGreaterThan(0);
    expect(value(router1, 'switchboard_router_recoveries_total', 'reason="epoch"')).toBeGreaterThan(0);
    expect(value(router1, 'switchboard_router_history_appends_total', 'result="duplicate"')).toBe(1);
    expect(value(router1, 'switchboard_ready')).toBe(0);
    const auth1 = scrapes.latest('auth-1');
    expect(value(auth1, 'switchboard_auth_verifications_total', 'result="token_invalid"')).toBe(1);
    expect(value(auth1, 'switchboard_build_info', 'role="auth"')).toBe(1);
    expect(value(scrapes.latest('edge-1'), 'switchboard_edge_connection_limit')).toBeGreaterThan(0);
    const api1 = scrapes.latest('api-1');
    expect(value(api1, 'switchboard_api_requests_total', 'method="Publish",result="ok"')).toBe(1);
  }, 120_000);
});

describe('metrics: the standalone process hosts every role in one registry', () => {
  it('exports every documented metric family once, without a name collision', async () => {
    const sb = await startSwitchboard();
    try {
      const alice = await connectSocket(sb.wsUrl, sb.token('alice'));
      await alice.call({ op: 'join', room: 'one' });
      await alice.call({ op: 'publish', room: 'one', event: 'e', data: 1 });
      const grpc = new GrpcServerClient({ url: sb.grpcUrl, apiKey: sb.apiKey });
      await grpc.info();
      await grpc.close();
      alice.close();
      const text = await (await fetch(`${sb.httpUrl}/metrics`)).text();
      const types = text.split('\n').filter((l) => l.startsWith('# TYPE switchboard_'));
      expect(new Set(types).size).toBe(types.length);
      expect(text).toContain('role="standalone"');
      // The memory bus and stores have no NATS or Redis link to report.
      const noLinks = new Set([
        'switchboard_nats_connected',
        'switchboard_nats_disconnects_total',
        'switchboard_redis_connected',
        'switchboard_redis_errors_total',
        'switchboard_redis_reconnects_total',
      ]);
      const present = new Set(types.map((l) => l.split(' ')[2]));
      const absent = metrics.filter((m) => !present.has(m.name) && !noLinks.has(m.name)).map((m) => m.name);
      expect(absent).toEqual([]);
    } finally {
      await sb.stop();
    }
  }, 30_000);
});

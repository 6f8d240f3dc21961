/**
 * The attacks of an intruder on the cluster network, against a real cluster (nats-server
 * configured by `switchboard nats-config`, TLS, every service its own process): without
 * credentials nothing connects; with any one role's credentials, every attack that role is not
 * meant to be able to make is refused by nats-server, and the cluster keeps serving.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { headers } from '@nats-io/transport-node';
import { BUS_ROLES, type BusRole, permits, Subjects, userToken } from '@switchboard/bus';
import { type Cluster, connectSocket, startCluster, type TestSocket } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsProbe } from './nats-probe.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FORGED_MESSAGE = JSON.stringify({
  t: 'msg',
  room: 'lobby',
  offset: 999,
  epoch: 'forged',
  event: 'chat',
  data: 'send me your password',
  from: { user: 'admin' },
  ts: Date.now(),
});
const control = (message: object) => JSON.stringify(message);
const controlHeaders = () => {
  const h = headers();
  h.set('sb-kind', 'control');
  return h;
};

interface Attack {
  name: string;
  /** Whether the role may do this by design (then it is not an attack for that role). */
  legitimateFor(role: BusRole): boolean;
  /** True when nats-server let it through. */
  run(probe: NatsProbe): Promise<boolean>;
}

const ATTACKS: Attack[] = [
  {
    name: 'read every message (subscribe sb.>)',
    legitimateFor: () => false,
    run: (p) => p.canSubscribe('sb.>'),
  },
  {
    name: "read users' bearer tokens (subscribe sb.auth.verify)",
    legitimateFor: (role) => permits(role, 'subscribe', Subjects.authVerify),
    run: (p) => p.canSubscribe(Subjects.authVerify),
  },
  {
    name: 'answer sb.auth.verify in the sb-auth queue group (accept any token)',
    legitimateFor: (role) => permits(role, 'subscribe', Subjects.authVerify),
    run: (p) => p.canSubscribe(Subjects.authVerify, 'sb-auth'),
  },
  {
    name: 'read everyone’s replies (subscribe _INBOX.>)',
    legitimateFor: () => false,
    run: (p) => p.canSubscribe('_INBOX.>'),
  },
  {
    name: 'read the edges’ replies (verified identities)',
    legitimateFor: (role) => role === 'edge',
    run: (p) => p.canSubscribe('_INBOX_edge.>'),
  },
  {
    name: 'forge a room message from "admin" (publish sb.room.lobby)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.room('lobby')),
    run: (p) => p.canPublish(Subjects.room('lobby'), FORGED_MESSAGE),
  },
  {
    name: 'publish as any user with any grants (request sb.router.publish)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.routerPublish),
    run: (p) =>
      p.canPublish(
        Subjects.routerPublish,
        JSON.stringify({
          user: 'admin',
          grants: { join: ['*'], publish: ['*'] },
          conn: 'x',
          room: 'lobby',
          event: 'e',
          data: 1,
        }),
      ),
  },
  {
    name: 'read any history as anyone (request sb.router.history)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.routerHistory),
    run: (p) =>
      p.canPublish(
        Subjects.routerHistory,
        JSON.stringify({ user: 'admin', grants: { join: ['*'], publish: [] }, room: 'lobby' }),
      ),
  },
  {
    name: 'appear in a room as anyone (request sb.presence.join)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.presenceJoin),
    run: (p) =>
      p.canPublish(Subjects.presenceJoin, JSON.stringify({ room: 'lobby', conn: 'x', user: 'admin' })),
  },
  {
    name: 'kick a user (control on sb.control.user.<user>)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.controlUser('victim')),
    run: (p) =>
      p.canPublish(
        Subjects.controlUser('victim'),
        control({ action: 'disconnect', code: 4503, reason: 'pwned' }),
      ),
  },
  {
    name: 'join a user to any room (control on sb.control.user.<user>)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.controlUser('victim')),
    run: (p) =>
      p.canPublish(Subjects.controlUser('victim'), control({ action: 'subscribe', room: 'secret' })),
  },
  {
    name: 'kick any connection (control on sb.control.all)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.controlAll),
    run: (p) =>
      p.canPublish(Subjects.controlAll, control({ action: 'disconnect', code: 4503, reason: 'pwned' })),
  },
  {
    name: 'kick every connection of a user with a forged revocation (sb.control.revoke)',
    legitimateFor: (role) => permits(role, 'publish', Subjects.controlRevoke),
    run: (p) =>
      p.canPublish(
        Subjects.controlRevoke,
        control({ action: 'revoke', user: 'victim', issuedBeforeMs: Date.now() }),
      ),
  },
  {
    name: 'control through the notification subject (sb.user.<user>)',
    // Routers publish notifications; the edge ignores control there (checked below).
    legitimateFor: (role) => permits(role, 'publish', Subjects.user('victim')),
    run: (p) =>
      p.canPublish(Subjects.user('victim'), control({ action: 'disconnect', code: 4503, reason: 'pwned' })),
  },
];

describe('attacks on the bus of a secured cluster', () => {
  let cluster: Cluster;
  let victim: TestSocket;
  let friend: TestSocket;

  beforeAll(async () => {
    cluster = await startCluster({ edges: 1, routers: 1, env: { SB_LOG_LEVEL: 'warn' } });
    victim = await connectSocket(cluster.wsUrl, cluster.token('victim'));
    friend = await connectSocket(cluster.wsUrl, cluster.token('friend'));
    await victim.call({ op: 'join', room: 'lobby' });
    await friend.call({ op: 'join', room: 'lobby' });
  }, 120_000);
  afterAll(async () => {
    victim?.close();
    friend?.close();
    await cluster?.stop();
  });

  const probeAs = (role: BusRole) => {
    const o = cluster.busOptions(role);
    return NatsProbe.connect({
      servers: o.servers,
      user: o.auth?.user,
      pass: readFileSync(o.auth?.passwordFile ?? '', 'utf8').trim(),
      tls: { caFile: o.tls?.caFile ?? '' },
      inboxPrefix: o.inboxPrefix,
    });
  };

  it('runs secured: every service has its own NATS user over TLS', () => {
    expect(cluster.secure).toBe(true);
    for (const p of cluster.processes) {
      expect(p.env['SB_NATS_USER']).toBe(`sb-${p.role}`);
      expect(p.env['SB_NATS_CA_FILE']).toBeDefined();
      expect(p.env['SB_REDIS_URL']).toMatch(/^rediss:/);
      // Passwords stay in files, never in the environment.
      expect(JSON.stringify(p.env)).not.toContain(
        readFileSync(p.env['SB_NATS_PASSWORD_FILE']!, 'utf8').trim(),
      );
      // Only the token verifier holds the JWT key: an edge cannot mint tokens.
      expect(p.env['SB_JWT_SECRETS'] !== undefined).toBe(p.role === 'auth');
    }
  });

  it('refuses connections without credentials or with another role’s password', async () => {
    const o = cluster.busOptions('edge');
    await expect(NatsProbe.connect({ servers: o.servers, tls: { caFile: o.tls!.caFile! } })).rejects.toThrow(
      /Authorization Violation/,
    );
    const routerPassword = readFileSync(cluster.busOptions('router').auth!.passwordFile!, 'utf8').trim();
    await expect(
      NatsProbe.connect({
        servers: o.servers,
        user: 'sb-edge',
        pass: routerPassword,
        tls: { caFile: o.tls!.caFile! },
      }),
    ).rejects.toThrow(/Authorization Violation/);
    // Plaintext is refused too: the server requires TLS.
    await expect(NatsProbe.connect({ servers: o.servers, user: 'sb-edge', pass: 'x' })).rejects.toThrow();
  });

  it.each(BUS_ROLES)(
    'with the %s credentials, every attack not meant for that role is refused',
    async (role) => {
      const probe = await probeAs(role);
      try {
        const outcome: Record<string, 'refused' | 'allowed'> = {};
        const expected: Record<string, 'refused' | 'allowed'> = {};
        for (const attack of ATTACKS) {
          if (attack.legitimateFor(role)) continue;
          outcome[attack.name] = (await attack.run(probe)) ? 'allowed' : 'refused';
          expected[attack.name] = 'refused';
        }
        expect(outcome).toEqual(expected);
        expect(probe.refusals().every((m) => /Permissions Violation/.test(m))).toBe(true);
      } finally {
        await probe.close();
      }
    },
  );

  it('control through the notification subject (allowed to routers) is ignored by the edge', async () => {
    const probe = await probeAs('router');
    try {
      expect(
        await probe.canPublish(
          Subjects.user('victim'),
          control({ action: 'disconnect', code: 4503, reason: 'pwned' }),
        ),
      ).toBe(true);
      probe.nc.publish(`sb.user.${userToken('victim')}`, control({ action: 'subscribe', room: 'secret' }), {
        headers: controlHeaders(),
      });
      await probe.nc.flush();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(victim.isOpen()).toBe(true);
      expect(victim.pushes('joined')).toEqual([]);
    } finally {
      await probe.close();
    }
  });

  it('keeps serving: the victim was not kicked, saw no forged message, and still chats', async () => {
    expect(victim.isOpen()).toBe(true);
    expect(victim.pushes('msg')).toEqual([]);
    expect(victim.pushes('disconnect')).toEqual([]);
    await cluster.waitReady(10_000);
    await victim.call({ op: 'publish', room: 'lobby', event: 'chat', data: 'still here' });
    const got = await friend.push('msg', (m) => m.data === 'still here');
    expect(got.from).toMatchObject({ user: 'victim' });
    expect(cluster.unexpectedExits()).toEqual([]);
    // The services themselves never ran into a refused subject.
    for (const p of cluster.processes) {
      expect(readFileSync(p.logFile, 'utf8')).not.toMatch(/Permissions Violation|Authorization Violation/);
    }
  });

  it('a cluster process with SB_ENV=production and a plain, unauthenticated bus refuses to start (78)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/router/src/main.ts'], {
      cwd: REPO,
      env: {
        PATH: process.env['PATH'] ?? '',
        SB_ENV: 'production',
        SB_BUS: 'nats',
        SB_STORE: 'redis',
        SB_NATS_URL: 'nats://127.0.0.1:4222',
        SB_REDIS_URL: 'redis://127.0.0.1:6379',
        SB_HTTP_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('SB_NATS_USER + SB_NATS_PASSWORD_FILE');
    expect(stderr).toContain('SB_NATS_CA_FILE');
    expect(stderr).toContain('rediss://');
    expect(stderr).toContain('SB_BUS_INSECURE=true');
  }, 30_000);
});

/**
 * nats-server, configured by `switchboard nats-config`, grants each role exactly what the
 * permission table (docs/subjects.md, from ROLE_PERMISSIONS) says: not one subject more.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeyAuthenticator } from '@nats-io/transport-node';
import {
  BUS_ROLES,
  inboxPrefix,
  permits,
  ROLE_PERMISSIONS,
  Subjects,
  subjectMatches,
} from '@switchboard/bus';
import { createNkeyUser, NatsBus, natsServerConfig, natsUserName } from '@switchboard/bus/nats';
import { createTestPki, type NatsServerHandle, startNatsServer, type TestPki } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsProbe } from './nats-probe.js';

/** Concrete subjects for every grant, every subject the services use, and wide wildcards. */
function probeSubjects(): { publish: string[]; subscribe: string[] } {
  const concrete = new Set<string>([
    Subjects.authVerify,
    Subjects.routerJoin,
    Subjects.routerPublish,
    Subjects.routerHistory,
    Subjects.presenceJoin,
    Subjects.presenceLeave,
    Subjects.presenceRefresh,
    Subjects.presenceList,
    Subjects.presenceCount,
    Subjects.presenceRooms,
    Subjects.room('lobby'),
    Subjects.room('team:a'),
    Subjects.user('alice'),
    Subjects.controlUser('alice'),
    Subjects.controlAll,
    Subjects.controlRevoke,
    Subjects.authRevokeToken,
    Subjects.authRevokeUser,
    Subjects.apiPublish,
    Subjects.apiUser,
    Subjects.nodes('edge'),
    Subjects.nodes('api'),
    Subjects.nodes('router'),
    Subjects.nodes('auth'),
    Subjects.nodes('presence'),
    ...(['connect', 'disconnect', 'join', 'leave', 'publish'] as const).map((k) => Subjects.event(k)),
    '_INBOX.abc.1',
    ...BUS_ROLES.map((role) => `${inboxPrefix(role)}.abc.1`),
    'sb.unknown',
    'other.subject',
  ]);
  for (const role of BUS_ROLES) {
    for (const grant of [...ROLE_PERMISSIONS[role].publish, ...ROLE_PERMISSIONS[role].subscribe]) {
      concrete.add(grant.replace(/\*/g, 'x').replace(/>$/, 'x.y'));
    }
  }
  const wildcards = [
    '>',
    'sb.>',
    'sb.*',
    'sb.room.*',
    'sb.room.>',
    'sb.user.*',
    'sb.user.>',
    'sb.control.>',
    'sb.control.user.*',
    'sb.auth.*',
    'sb.router.*',
    'sb.presence.>',
    'sb.api.*',
    'sb.events.>',
    'sb.nodes.*',
    '_INBOX.>',
    '_INBOX_edge.>',
    '_INBOX_api.>',
    '_INBOX_backend.>',
    '_INBOX_*.>',
  ];
  return { publish: [...concrete], subscribe: [...concrete, ...wildcards] };
}

/** nats-server 2.9's check of a subscription: the subject's tokens matched literally against the grants. */
function literallyMatched(role: (typeof BUS_ROLES)[number], subject: string): boolean {
  return ROLE_PERMISSIONS[role].subscribe.some((grant) => subjectMatches(grant, subject));
}

describe('generated nats-server permissions', () => {
  let dir: string;
  let pki: TestPki;
  let nats: NatsServerHandle;
  const authKey = createNkeyUser();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-perms-'));
    pki = await createTestPki(join(dir, 'pki'));
    writeFileSync(join(dir, 'auth.nk'), `${authKey.seed}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'api-password'), 'pw-api\n', { mode: 0o600 });
    nats = await startNatsServer({
      tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile },
      authorization: natsServerConfig({
        credential: (role) =>
          role === 'auth'
            ? { kind: 'nkey', key: authKey.publicKey }
            : { kind: 'password', password: `pw-${role}` },
      }),
    });
  });
  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(BUS_ROLES)('grants %s exactly its row of the table', async (role) => {
    const probe = await NatsProbe.connect({
      servers: nats.url,
      ...(role === 'auth'
        ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(authKey.seed)) }
        : { user: natsUserName(role), pass: `pw-${role}` }),
      tls: { caFile: pki.caFile },
    });
    try {
      const subjects = probeSubjects();
      const granted: Record<'publish' | 'subscribe', string[]> = { publish: [], subscribe: [] };
      const expected: Record<'publish' | 'subscribe', string[]> = { publish: [], subscribe: [] };
      for (const subject of subjects.publish) {
        if (await probe.canPublish(subject)) granted.publish.push(subject);
        if (permits(role, 'publish', subject)) expected.publish.push(subject);
      }
      for (const subject of subjects.subscribe) {
        if (await probe.canSubscribe(subject)) granted.subscribe.push(subject);
        if (permits(role, 'subscribe', subject)) expected.subscribe.push(subject);
        else if (literallyMatched(role, subject)) {
          // nats-server 2.9 compares a wildcard subscription token by token, so a grant of
          // `sb.user.*` also admits the subscription `sb.user.>`. It reaches nothing more:
          // nobody may publish below the granted level.
          expected.subscribe.push(subject);
          const deeper = subject.replace(/>$/, 'x.y');
          expect(BUS_ROLES.filter((r) => permits(r, 'publish', deeper))).toEqual([]);
        }
      }
      expect(granted).toEqual(expected);
      // Each role can do something: the probe really was connected and allowed.
      expect(granted.publish.length + granted.subscribe.length).toBeGreaterThan(0);
    } finally {
      await probe.close();
    }
  });

  it('connects the services with a password file, an NKey seed file, or user:pass in the URL', async () => {
    const tls = { caFile: pki.caFile };
    const auth = await NatsBus.connect({
      servers: nats.url,
      auth: { nkeySeedFile: join(dir, 'auth.nk') },
      tls,
    });
    const api = await NatsBus.connect({
      servers: nats.url,
      auth: { user: 'sb-api', passwordFile: join(dir, 'api-password') },
      tls,
      inboxPrefix: inboxPrefix('api'),
    });
    const port = new URL(nats.url).port;
    const backend = await NatsBus.connect({
      servers: `nats://sb-backend:pw-backend@127.0.0.1:${port}`,
      tls,
      inboxPrefix: inboxPrefix('backend'),
    });
    try {
      // The api identity may not call sb.auth.verify (only edges may): refused by the server.
      auth.subscribe(
        Subjects.authVerify,
        (msg) => {
          if (msg.reply) auth.publish(msg.reply, new TextEncoder().encode('{"result":{}}'));
        },
        { queue: 'sb-auth' },
      );
      await auth.flush();
      await expect(
        api.request(Subjects.authVerify, new TextEncoder().encode('{"token":"x"}'), { timeoutMs: 1_000 }),
      ).rejects.toThrow();
      backend.publish(Subjects.apiUser, new TextEncoder().encode('{}'));
      await backend.flush();
      expect([auth.status(), api.status(), backend.status()]).toEqual([
        'connected',
        'connected',
        'connected',
      ]);
    } finally {
      await Promise.all([auth.close(), api.close(), backend.close()]);
    }
  });

  it('says when the server refuses a service’s credentials, without printing them', async () => {
    writeFileSync(join(dir, 'stale-password'), 'stale\n', { mode: 0o600 });
    const refused = NatsBus.connect({
      servers: nats.url,
      auth: { user: 'sb-router', passwordFile: join(dir, 'stale-password') },
      tls: { caFile: pki.caFile },
    });
    await expect(refused).rejects.toThrow(/credentials refused, auth: password/);
    await expect(refused).rejects.not.toThrow(/stale/);
  });

  it('refuses a connection without credentials, with a wrong password, or without TLS', async () => {
    await expect(NatsProbe.connect({ servers: nats.url, tls: { caFile: pki.caFile } })).rejects.toThrow(
      /Authorization Violation/,
    );
    await expect(
      NatsProbe.connect({ servers: nats.url, user: 'sb-edge', pass: 'guess', tls: { caFile: pki.caFile } }),
    ).rejects.toThrow(/Authorization Violation/);
    // Without the private CA the server's certificate is not trusted.
    await expect(
      NatsProbe.connect({ servers: nats.url, user: 'sb-edge', pass: 'pw-edge' }),
    ).rejects.toThrow();
  });
});

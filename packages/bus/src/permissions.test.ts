import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNkeyUser, natsServerConfig } from './nats-server-config.js';
import { BUS_ROLES, grantCovers, permissionsMarkdown, permits, ROLE_PERMISSIONS } from './permissions.js';

const who = (action: 'publish' | 'subscribe', subject: string) =>
  BUS_ROLES.filter((role) => permits(role, action, subject));

describe('bus permissions (least privilege by subject)', () => {
  it('docs/subjects.md shows the table (run `pnpm docs:subjects` after changing it)', () => {
    const doc = readFileSync(new URL('../../../docs/subjects.md', import.meta.url), 'utf8');
    expect(doc).toContain(`<!-- permissions:start -->\n${permissionsMarkdown()}\n<!-- permissions:end -->`);
  });

  it('keeps the promises of docs/security.md', () => {
    // Only routers publish room messages (presence publishes its diffs there too).
    expect(who('publish', 'sb.room.lobby')).toEqual(['router', 'presence']);
    expect(who('publish', 'sb.user.Ym9i')).toEqual(['router']);
    // Only edges call the services with a user's identity, and only edges send tokens.
    for (const s of ['sb.router.join', 'sb.router.publish', 'sb.presence.join', 'sb.auth.verify']) {
      expect(who('publish', s)).toEqual(['edge']);
    }
    // Tokens: only auth subscribes where they travel.
    expect(who('subscribe', 'sb.auth.verify')).toEqual(['auth']);
    // Control: only the API publishes, only edges listen.
    expect(who('publish', 'sb.control.user.Ym9i')).toEqual(['api']);
    expect(who('publish', 'sb.control.all')).toEqual(['api']);
    expect(who('subscribe', 'sb.control.all')).toEqual(['edge']);
    // Revocations: only auth announces them (it can close revoked connections, nothing else).
    expect(who('publish', 'sb.control.revoke')).toEqual(['auth']);
    expect(who('subscribe', 'sb.control.revoke')).toEqual(['edge']);
    expect(who('publish', 'sb.auth.revoke.token')).toEqual(['api']);
    expect(who('subscribe', 'sb.auth.revoke.user')).toEqual(['auth']);
    // Notifications and room publishes of backends go through the router.
    expect(who('publish', 'sb.api.user')).toEqual(['api', 'backend']);
    // Nobody may read everything, nor everyone's replies.
    expect(who('subscribe', '>')).toEqual([]);
    expect(who('subscribe', 'sb.>')).toEqual([]);
    expect(who('subscribe', '_INBOX.>')).toEqual([]);
    expect(who('subscribe', '_INBOX_edge.abc.1')).toEqual(['edge']);
    for (const role of BUS_ROLES) {
      for (const grant of ROLE_PERMISSIONS[role].subscribe) expect(grant.startsWith('_INBOX.')).toBe(false);
    }
  });

  it('matches subscriptions with wildcards only against grants as wide', () => {
    expect(grantCovers('sb.room.>', 'sb.room.>')).toBe(true);
    expect(grantCovers('sb.room.>', 'sb.>')).toBe(false);
    expect(grantCovers('sb.user.*', 'sb.user.*')).toBe(true);
    expect(grantCovers('sb.user.*', 'sb.user.>')).toBe(false);
    expect(grantCovers('sb.nodes.*', 'sb.nodes.edge')).toBe(true);
  });

  it('writes one nats-server user per role with exactly the table', () => {
    const nkey = createNkeyUser();
    const text = natsServerConfig({
      roles: ['edge', 'auth'],
      credential: (role) =>
        role === 'auth' ? { kind: 'nkey', key: nkey.seed } : { kind: 'password', password: 'pw' },
    });
    expect(text).toContain('{ user: "sb-edge", password: "pw"');
    expect(text).toContain(`{ nkey: "${nkey.publicKey}"`);
    expect(text).not.toContain(nkey.seed);
    expect(text).toContain(
      'publish: { allow: ["sb.control.revoke", "sb.nodes.auth"] }\n        subscribe: { allow: ["sb.auth.verify", "sb.auth.revoke.token", "sb.auth.revoke.user"] }',
    );
    expect(text.match(/allow_responses: true/g)).toHaveLength(1);
    expect(natsServerConfig({ roles: ['router'] })).toContain('password: $SB_NATS_PASSWORD_ROUTER');
  });
});

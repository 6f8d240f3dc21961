import { subjectMatches } from './subject.js';

/**
 * Who may publish and subscribe to what on the bus: one identity per role, least privilege.
 * This table is the single source of truth: `switchboard nats-config` turns it into the
 * nats-server `authorization` block, docs/subjects.md shows it (generated from here and
 * checked by a test), and e2e/security proves nats-server enforces exactly this.
 *
 * Replies never need a publish grant: responders get `allow_responses` (they may publish
 * once to the reply subject of a request they received), and each requesting role reads
 * replies on its own inbox prefix only (`_INBOX_<role>.>`), never `_INBOX.>`.
 */
export const BUS_ROLES = ['edge', 'auth', 'router', 'presence', 'api', 'backend'] as const;
export type BusRole = (typeof BUS_ROLES)[number];

export interface RolePermissions {
  /** What the role is, for the docs. */
  readonly about: string;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May answer requests it received (publish once to their reply subject). */
  readonly allowResponses: boolean;
}

/** The reply prefix of a role's connections (nats.js `inboxPrefix`). */
export function inboxPrefix(role: string): string {
  return `_INBOX_${role}`;
}

export const ROLE_PERMISSIONS: Readonly<Record<BusRole, RolePermissions>> = {
  edge: {
    about: 'WebSocket edge: holds the verified identity, calls the services for its clients',
    publish: [
      'sb.auth.verify',
      'sb.router.join',
      'sb.router.publish',
      'sb.router.history',
      'sb.presence.join',
      'sb.presence.leave',
      'sb.presence.refresh',
      'sb.presence.list',
      'sb.events.connect',
      'sb.events.disconnect',
      'sb.events.join',
      'sb.events.leave',
      'sb.nodes.edge',
    ],
    subscribe: [
      'sb.room.>',
      'sb.user.*',
      'sb.control.user.*',
      'sb.control.all',
      'sb.control.revoke',
      `${inboxPrefix('edge')}.>`,
    ],
    allowResponses: false,
  },
  auth: {
    about:
      'verifies tokens: the only subscriber of sb.auth.verify, where bearer tokens travel; stores revocations and announces them to edges',
    publish: ['sb.control.revoke', 'sb.nodes.auth'],
    subscribe: ['sb.auth.verify', 'sb.auth.revoke.token', 'sb.auth.revoke.user'],
    allowResponses: true,
  },
  router: {
    about: 'accepts publishes, keeps history: the only publisher of room messages and notifications',
    publish: ['sb.room.>', 'sb.user.*', 'sb.events.publish', 'sb.nodes.router'],
    subscribe: ['sb.router.join', 'sb.router.publish', 'sb.router.history', 'sb.api.publish', 'sb.api.user'],
    allowResponses: true,
  },
  presence: {
    about: 'tracks room members; publishes presence diffs to rooms',
    publish: ['sb.room.>', 'sb.nodes.presence'],
    subscribe: [
      'sb.presence.join',
      'sb.presence.leave',
      'sb.presence.refresh',
      'sb.presence.list',
      'sb.presence.count',
      'sb.presence.rooms',
    ],
    allowResponses: true,
  },
  api: {
    about:
      'the gRPC server API and ops console: publishes, reads presence and history, watches rooms, the only one to control connections',
    publish: [
      'sb.api.publish',
      'sb.api.user',
      'sb.router.history',
      'sb.presence.list',
      'sb.presence.count',
      'sb.presence.rooms',
      'sb.auth.revoke.token',
      'sb.auth.revoke.user',
      'sb.control.user.*',
      'sb.control.all',
      'sb.nodes.api',
    ],
    // sb.room.> feeds the ops console's live rates and tail.
    subscribe: ['sb.nodes.*', 'sb.room.>', `${inboxPrefix('api')}.>`],
    allowResponses: false,
  },
  backend: {
    about: 'your internal services: publish to rooms and users through the router, observe lifecycle events',
    publish: ['sb.api.publish', 'sb.api.user'],
    subscribe: ['sb.events.>', 'sb.nodes.*', 'sb.room.>', `${inboxPrefix('backend')}.>`],
    allowResponses: false,
  },
};

/** What one identity may do with `subject`, by the table (NATS wildcard rules). */
export function permits(role: BusRole, action: 'publish' | 'subscribe', subject: string): boolean {
  return ROLE_PERMISSIONS[role][action].some((allowed) => grantCovers(allowed, subject));
}

/**
 * True when a grant `allowed` covers `subject`, which may itself hold wildcards (a subscription
 * to `sb.>` is covered only by a grant as wide: nats-server checks the subscription's subject).
 */
export function grantCovers(allowed: string, subject: string): boolean {
  if (!/[*>]/.test(subject)) return subjectMatches(allowed, subject);
  const a = allowed.split('.');
  const s = subject.split('.');
  for (let i = 0; i < s.length; i++) {
    const at = a[i];
    if (at === undefined) return false;
    if (at === '>') return true;
    if (s[i] === '>') return false;
    if (at === '*') continue;
    if (s[i] === '*' || at !== s[i]) return false;
  }
  return a.length === s.length;
}

/** The per-role table of docs/subjects.md (between its `permissions` markers). */
export function permissionsMarkdown(): string {
  const code = (list: readonly string[]) => (list.length ? list.map((x) => `\`${x}\``).join(', ') : '—');
  const rows = BUS_ROLES.map((role) => {
    const p = ROLE_PERMISSIONS[role];
    return `| **${role}** | ${p.about} | ${code(p.publish)} | ${code(p.subscribe)} | ${p.allowResponses ? 'yes' : 'no'} |`;
  });
  return [
    '| role | what it is | may publish | may subscribe | answers requests (`allow_responses`) |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

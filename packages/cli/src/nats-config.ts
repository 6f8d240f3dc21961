import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUS_ROLES, type BusRole } from '@switchboard/bus';
import { natsServerConfig, type RoleCredential } from '@switchboard/bus/nats';

/** A bad `nats-config` invocation (unknown role, unreadable key file): a usage error. */
export class NatsConfigError extends Error {}

export interface NatsConfigArgs {
  /** Comma-separated roles (default: all). */
  roles?: string;
  /** Directory with one password file per role (`<dir>/edge`, …). */
  passwords?: string;
  /** Directory with one NKey per role: `<dir>/<role>.pub` (public key) or `<dir>/<role>.nk` (seed). */
  nkeys?: string;
  /** User names are `<prefix><role>` (default `sb-`); a second prefix gives a second set for rotation. */
  userPrefix?: string;
}

/** `switchboard nats-config`: the nats-server authorization block for the chosen roles. */
export function natsConfigText(args: NatsConfigArgs): string {
  if (args.passwords !== undefined && args.nkeys !== undefined) {
    throw new NatsConfigError('nats-config takes --passwords or --nkeys, not both');
  }
  const roles = parseRoles(args.roles);
  const credential = (role: BusRole): RoleCredential => {
    if (args.passwords !== undefined) {
      return { kind: 'password', password: read(join(args.passwords, role)).replace(/\r?\n$/, '') };
    }
    if (args.nkeys !== undefined) {
      const pub = tryRead(join(args.nkeys, `${role}.pub`));
      return { kind: 'nkey', key: pub ?? read(join(args.nkeys, `${role}.nk`)) };
    }
    return { kind: 'password-env', variable: `SB_NATS_PASSWORD_${role.toUpperCase()}` };
  };
  try {
    return natsServerConfig({
      roles,
      credential,
      ...(args.userPrefix !== undefined ? { userPrefix: args.userPrefix } : {}),
    });
  } catch (error) {
    throw new NatsConfigError((error as Error).message);
  }
}

function parseRoles(raw: string | undefined): BusRole[] {
  if (raw === undefined) return [...BUS_ROLES];
  const roles = raw
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  for (const role of roles) {
    if (!(BUS_ROLES as readonly string[]).includes(role)) {
      throw new NatsConfigError(`unknown role "${role}" (roles: ${BUS_ROLES.join(', ')})`);
    }
  }
  if (roles.length === 0) throw new NatsConfigError('--roles needs at least one role');
  return roles as BusRole[];
}

function read(file: string): string {
  const text = tryRead(file);
  if (text === undefined) throw new NatsConfigError(`cannot read ${file}`);
  return text;
}

function tryRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

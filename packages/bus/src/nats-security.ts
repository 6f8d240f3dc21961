import { readFileSync } from 'node:fs';
import {
  type Authenticator,
  credsAuthenticator,
  nkeyAuthenticator,
  type TlsOptions,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/transport-node';
import { ConfigError } from './errors.js';

/**
 * Who this process is to nats-server. At most one of: user + password (file), NKey seed file,
 * `.creds` file (decentralised JWT auth); or credentials in the server URL
 * (`nats://user:pass@host`). Files are read again on every (re)connect, so a rotated
 * Kubernetes Secret is picked up without a restart.
 */
export interface NatsAuthOptions {
  user?: string;
  /** Password, as text (prefer `passwordFile`). */
  password?: string;
  /** File holding the password (trailing newline ignored). */
  passwordFile?: string;
  /** NKey seed file (`SU…`). */
  nkeySeedFile?: string;
  /** `.creds` file: a user JWT and its NKey seed. */
  credsFile?: string;
}

/** TLS to nats-server with a private CA; certificate + key for mutual TLS. */
export interface NatsTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The connection options the NATS client gets for authentication and TLS. */
export interface NatsSecurity {
  /** Server URLs without credentials (safe to log). */
  servers: string[];
  authenticator?: Authenticator;
  tls?: TlsOptions;
  /** How this process authenticates, for logs: never the secret. */
  method: 'none' | 'password' | 'url' | 'token' | 'nkey' | 'creds';
  /** True when the connection is encrypted (a `tls://` URL or TLS files). */
  encrypted: boolean;
}

/**
 * Builds the client's auth and TLS options. nats.js v3 ignores credentials in a server URL
 * (it logs in as user ""), so they are taken out of the URL and passed as an authenticator.
 */
export function natsSecurity(
  servers: string | readonly string[],
  auth: NatsAuthOptions = {},
  tls: NatsTlsFiles = {},
): NatsSecurity {
  const list = typeof servers === 'string' ? [servers] : [...servers];
  const cleaned: string[] = [];
  let fromUrl: { user: string; pass: string | undefined } | undefined;
  let tlsScheme = false;
  for (const server of list) {
    const { url, user, pass } = splitCredentials(server);
    cleaned.push(url);
    if (url.startsWith('tls://')) tlsScheme = true;
    if (user !== undefined) fromUrl ??= { user, pass };
  }

  const chosen = [
    auth.credsFile !== undefined && 'creds',
    auth.nkeySeedFile !== undefined && 'nkey',
    (auth.user !== undefined || auth.passwordFile !== undefined || auth.password !== undefined) && 'password',
  ].filter((x): x is string => typeof x === 'string');
  if (chosen.length > 1) {
    throw new ConfigError([
      `NATS credentials: set only one of user+password, NKey seed file and .creds file (got ${chosen.join(', ')})`,
    ]);
  }

  let authenticator: Authenticator | undefined;
  let method: NatsSecurity['method'] = 'none';
  if (auth.credsFile !== undefined) {
    const file = auth.credsFile;
    readSecret(file, 'SB_NATS_CREDS_FILE');
    authenticator = credsAuthenticator(() =>
      new TextEncoder().encode(readSecret(file, 'SB_NATS_CREDS_FILE')),
    );
    method = 'creds';
  } else if (auth.nkeySeedFile !== undefined) {
    const file = auth.nkeySeedFile;
    readSecret(file, 'SB_NATS_NKEY_SEED_FILE');
    authenticator = nkeyAuthenticator(() =>
      new TextEncoder().encode(readSecret(file, 'SB_NATS_NKEY_SEED_FILE').trim()),
    );
    method = 'nkey';
  } else if (auth.user !== undefined || auth.passwordFile !== undefined || auth.password !== undefined) {
    if (auth.user === undefined) throw new ConfigError(['SB_NATS_PASSWORD_FILE needs SB_NATS_USER']);
    const file = auth.passwordFile;
    const fixed = auth.password;
    if (file !== undefined) readSecret(file, 'SB_NATS_PASSWORD_FILE');
    authenticator = usernamePasswordAuthenticator(auth.user, () =>
      file !== undefined ? readSecret(file, 'SB_NATS_PASSWORD_FILE').replace(/\r?\n$/, '') : (fixed ?? ''),
    );
    method = 'password';
  } else if (fromUrl !== undefined) {
    // `nats://user:pass@host`, or `nats://token@host` (a user without password is a token).
    authenticator =
      fromUrl.pass !== undefined
        ? usernamePasswordAuthenticator(fromUrl.user, fromUrl.pass)
        : tokenAuthenticator(fromUrl.user);
    method = fromUrl.pass !== undefined ? 'url' : 'token';
  }

  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new ConfigError(['SB_NATS_CERT_FILE and SB_NATS_KEY_FILE go together: set both or neither']);
  }
  const tlsOptions: TlsOptions = {
    ...(tls.caFile !== undefined ? { caFile: tls.caFile } : {}),
    ...(tls.certFile !== undefined ? { certFile: tls.certFile } : {}),
    ...(tls.keyFile !== undefined ? { keyFile: tls.keyFile } : {}),
  };
  for (const [file, name] of [
    [tls.caFile, 'SB_NATS_CA_FILE'],
    [tls.certFile, 'SB_NATS_CERT_FILE'],
    [tls.keyFile, 'SB_NATS_KEY_FILE'],
  ] as const) {
    if (file !== undefined) readSecret(file, name);
  }
  const wantsTls = Object.keys(tlsOptions).length > 0;
  return {
    servers: cleaned,
    ...(authenticator ? { authenticator } : {}),
    ...(wantsTls ? { tls: tlsOptions } : {}),
    method,
    encrypted: wantsTls || tlsScheme,
  };
}

/** `nats://user:pass@host:4222` → the URL without credentials, and the decoded credentials. */
export function splitCredentials(server: string): { url: string; user?: string; pass?: string } {
  let parsed: URL;
  try {
    parsed = new URL(server.includes('://') ? server : `nats://${server}`);
  } catch {
    return { url: server };
  }
  if (parsed.username === '' && parsed.password === '') return { url: server };
  const user = decodeURIComponent(parsed.username);
  const pass = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/$/, ''), user, ...(pass !== undefined ? { pass } : {}) };
}

/** A secret file's text; a missing or unreadable file is a configuration problem naming the setting. */
export function readSecret(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${setting}: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}

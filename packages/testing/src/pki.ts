import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A private CA with a server certificate for loopback and one client certificate (mTLS). */
export interface TestPki {
  readonly dir: string;
  /** The CA certificate clients and servers trust (`SB_NATS_CA_FILE`, `SB_REDIS_CA_FILE`). */
  readonly caFile: string;
  /** Server certificate for `localhost` and `127.0.0.1`, and its key. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate signed by the CA, for mutual TLS. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/**
 * Creates a throw-away CA and certificates with the `openssl` command (EC P-256, valid for a
 * day) in `dir`. Keys are readable by their owner only, as a mounted Secret would be.
 */
export async function createTestPki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-days',
    '1',
    '-subj',
    '/CN=Switchboard test CA',
    '-keyout',
    f('ca-key.pem'),
    '-out',
    f('ca.pem'),
  ]);
  const issue = async (name: string, subject: string, extensions: string) => {
    await run('openssl', [
      'req',
      ...ec,
      '-subj',
      subject,
      '-keyout',
      f(`${name}-key.pem`),
      '-out',
      f(`${name}.csr`),
    ]);
    await writeFile(f(`${name}.ext`), extensions);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca-key.pem'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.pem`),
    ]);
    await chmod(f(`${name}-key.pem`), 0o600);
  };
  await issue(
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await issue('client', '/CN=switchboard-client', 'extendedKeyUsage=clientAuth\n');
  await chmod(f('ca-key.pem'), 0o600);
  return {
    dir,
    caFile: f('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server-key.pem'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client-key.pem'),
  };
}

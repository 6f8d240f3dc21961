import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { type ApiServer, SwitchboardApiError, startApiServer } from '@switchboard/api';
import { type Bus, MemoryBusHub, Subjects } from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';
import { GrpcServerClient } from '@switchboard/server-sdk';
import { silentLogger } from '@switchboard/telemetry';
import { createTestPki, rejectionOf, type TestPki } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KEY = 'transport-test-key-0123456789abcdef';

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, SwitchboardApiError);

/** An API server on an in-memory bus with no services behind it (or a silent one). */
async function bareApi(options: { tls?: { cert: Buffer; key: Buffer; ca?: Buffer } } = {}) {
  const hub = new MemoryBusHub();
  const bus: Bus = hub.connect();
  const server = await startApiServer({
    bus,
    log: silentLogger(),
    nodeId: 'api-test',
    host: '127.0.0.1',
    port: 0,
    keys: [KEY],
    timeoutMs: 300,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  return { hub, bus, server };
}

describe('status codes from the bus', () => {
  let api: { hub: MemoryBusHub; bus: Bus; server: ApiServer };
  let client: GrpcServerClient;
  beforeAll(async () => {
    api = await bareApi();
    client = new GrpcServerClient({ url: `127.0.0.1:${api.server.port}`, apiKey: KEY });
  });
  afterAll(async () => {
    await client.close();
    await api.server.stop();
    await api.bus.close();
  });

  it('no service on the bus: UNAVAILABLE (2002)', async () => {
    const error = await rejection(client.publish({ room: 'a', event: 'x' }));
    expect([error.grpcStatus, error.code]).toEqual([GrpcStatus.UNAVAILABLE, ErrorCode.Unavailable]);
  });

  it('a service that does not answer in time: DEADLINE_EXCEEDED (2001)', async () => {
    const silent = api.hub.connect();
    silent.subscribe(Subjects.presenceRooms, () => {});
    const error = await rejection(client.rooms());
    expect([error.grpcStatus, error.code]).toEqual([GrpcStatus.DEADLINE_EXCEEDED, ErrorCode.Timeout]);
    await silent.close();
  });

  it('a service that replies with a coded error keeps its code (RESOURCE_EXHAUSTED for rate limits)', async () => {
    const limiter = api.hub.connect();
    limiter.subscribe(Subjects.apiPublish, (msg) => {
      limiter.publish(
        msg.reply!,
        new TextEncoder().encode(
          JSON.stringify({ error: { code: 2000, message: 'slow down', retryAfterMs: 40 } }),
        ),
      );
    });
    const error = await rejection(client.publish({ room: 'a', event: 'x' }));
    expect([error.grpcStatus, error.code, error.retryAfterMs]).toEqual([
      GrpcStatus.RESOURCE_EXHAUSTED,
      2000,
      40,
    ]);
    await limiter.close();
  });

  it('health turns NOT_SERVING when told (shutdown)', async () => {
    expect(await client.health()).toBe('SERVING');
    api.server.setServing(false);
    expect(await client.health()).toBe('NOT_SERVING');
    api.server.setServing(true);
  });
});

describe('TLS and mutual TLS', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki(mkdtempSync(join(tmpdir(), 'sb-tls-')));
  });
  afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

  it('serves over TLS; a client trusting the CA connects, a plain-text client cannot', async () => {
    const api = await bareApi({
      tls: { cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile) },
    });
    const url = `localhost:${api.server.port}`;
    const good = new GrpcServerClient({ url, apiKey: KEY, tls: { ca: readFileSync(pki.caFile) } });
    expect((await good.info()).answeredBy).toBe('api-test');
    const plain = new GrpcServerClient({ url, apiKey: KEY, timeoutMs: 2_000 });
    expect((await rejection(plain.info())).code).toBe(ErrorCode.Unavailable);
    await Promise.all([good.close(), plain.close()]);
    await api.server.stop();
  });

  it('with a CA configured, requires a client certificate it signed (mTLS)', async () => {
    const api = await bareApi({
      tls: {
        cert: readFileSync(pki.serverCertFile),
        key: readFileSync(pki.serverKeyFile),
        ca: readFileSync(pki.caFile),
      },
    });
    const url = `localhost:${api.server.port}`;
    const withCert = new GrpcServerClient({
      url,
      apiKey: KEY,
      tls: {
        ca: readFileSync(pki.caFile),
        cert: readFileSync(pki.clientCertFile),
        key: readFileSync(pki.clientKeyFile),
      },
    });
    expect((await withCert.info()).answeredBy).toBe('api-test');
    const noCert = new GrpcServerClient({
      url,
      apiKey: KEY,
      tls: { ca: readFileSync(pki.caFile) },
      timeoutMs: 2_000,
    });
    expect((await rejection(noCert.info())).code).toBe(ErrorCode.Unavailable);
    await Promise.all([withCert.close(), noCert.close()]);
    await api.server.stop();
  });
});

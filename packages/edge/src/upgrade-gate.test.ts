import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthClient, Identity } from '@switchboard/auth';
import { RemoteError } from '@switchboard/bus';
import { ErrorCode, SUBPROTOCOL } from '@switchboard/protocol';
import { silentLogger } from '@switchboard/telemetry';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EdgeSocket } from './connection.js';
import { EdgeMetrics } from './metrics.js';
import { bearerToken, refusalResponse, UpgradeGate, upgradeRefusal } from './upgrade-gate.js';

const rules = { allowedOrigins: ['https://app.example'], maxConnections: 2 };
const idle = { draining: false, connections: 0, pendingUpgrades: 0 };

describe('upgradeRefusal', () => {
  it('takes a request from an allowed origin, or from no origin at all', () => {
    expect(upgradeRefusal('https://app.example', idle, rules)).toBeUndefined();
    expect(upgradeRefusal(undefined, idle, rules)).toBeUndefined();
  });

  it('refuses a foreign origin with 403 unless * is allowed', () => {
    expect(upgradeRefusal('https://evil.example', idle, rules)).toMatchObject({
      status: 403,
      result: 'origin',
    });
    expect(upgradeRefusal('https://evil.example', idle, { ...rules, allowedOrigins: ['*'] })).toBeUndefined();
  });

  it('refuses with 503 when full, counting upgrades still verifying a token', () => {
    expect(upgradeRefusal(undefined, { ...idle, connections: 2 }, rules)).toMatchObject({
      status: 503,
      result: 'full',
    });
    expect(upgradeRefusal(undefined, { ...idle, connections: 1, pendingUpgrades: 1 }, rules)).toMatchObject({
      status: 503,
      result: 'full',
    });
  });

  it('refuses with 503 while draining, before anything else', () => {
    expect(upgradeRefusal('https://evil.example', { ...idle, draining: true }, rules)).toMatchObject({
      status: 503,
      result: 'draining',
    });
  });
});

describe('bearerToken', () => {
  it('reads "Bearer <token>" in any case, and tells a missing header from a malformed one', () => {
    expect(bearerToken(undefined)).toEqual({ kind: 'none' });
    expect(bearerToken('Bearer abc.def')).toEqual({ kind: 'token', token: 'abc.def' });
    expect(bearerToken('bearer   abc')).toEqual({ kind: 'token', token: 'abc' });
    expect(bearerToken('Basic abc')).toEqual({ kind: 'malformed' });
    expect(bearerToken('Bearer a b')).toEqual({ kind: 'malformed' });
    expect(bearerToken('Bearer none')).toEqual({ kind: 'token', token: 'none' });
  });
});

describe('refusalResponse', () => {
  it('is a complete HTTP response with a coded JSON body, and Retry-After only when temporary', () => {
    const unavailable = refusalResponse(503, 'full');
    expect(unavailable).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(unavailable).toContain('Retry-After: 5\r\n');
    const body = unavailable.split('\r\n\r\n')[1]!;
    expect(JSON.parse(body)).toEqual({ error: { code: ErrorCode.Unavailable, message: 'full' } });
    expect(unavailable).toContain(`Content-Length: ${Buffer.byteLength(body)}\r\n`);
    const forbidden = refusalResponse(403, 'origin not allowed');
    expect(forbidden).not.toContain('Retry-After');
    expect(JSON.parse(forbidden.split('\r\n\r\n')[1]!).error.code).toBe(ErrorCode.Forbidden);
    expect(refusalResponse(401, 'bad', ErrorCode.TokenInvalid)).toContain(`"code":${ErrorCode.TokenInvalid}`);
  });
});

describe('UpgradeGate on a loopback server', () => {
  let server: Server | undefined;
  const sockets: EdgeSocket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  async function serve(verify: (token: string) => Promise<Identity>) {
    const metrics = new EdgeMetrics(new Registry());
    const accepted: Array<Identity | undefined> = [];
    const gate = new UpgradeGate({
      auth: { verify } as unknown as AuthClient,
      metrics,
      log: silentLogger(),
      rules: { allowedOrigins: ['*'], maxConnections: 10 },
      maxFrameBytes: 1024,
      load: () => ({ draining: false, connections: 0 }),
      accept: (ws, _raw, identity) => {
        sockets.push(ws);
        accepted.push(identity);
      },
    });
    server = createServer();
    server.on('upgrade', (req, socket, head) => gate.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, accepted, metrics };
  }

  /** Opens a client; resolves with 'open' or the HTTP status it was refused with. */
  function attempt(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
    return new Promise((resolve) => {
      const client = new WebSocket(url, SUBPROTOCOL, { headers });
      client.on('open', () => {
        client.terminate();
        resolve('open');
      });
      client.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      client.on('error', () => {});
    });
  }

  it('accepts without a token, accepts a good bearer token with its identity, and refuses the rest', async () => {
    const alice: Identity = { user: 'alice', grants: { join: ['*'], publish: [] } };
    const { url, accepted, metrics } = await serve(async (token) => {
      if (token === 'good') return alice;
      if (token === 'down') throw new RemoteError(ErrorCode.Unavailable, 'auth is down');
      throw new RemoteError(ErrorCode.TokenInvalid, 'bad token');
    });
    expect(await attempt(url)).toBe('open');
    expect(await attempt(url, { Authorization: 'Bearer good' })).toBe('open');
    expect(accepted).toEqual([undefined, alice]);
    expect(await attempt(url, { Authorization: 'Token good' })).toBe(401);
    expect(await attempt(url, { Authorization: 'Bearer bad' })).toBe(401);
    expect(await attempt(url, { Authorization: 'Bearer down' })).toBe(503);
    const upgrades = await metrics.upgrades.get();
    const byResult = Object.fromEntries(upgrades.values.map((v) => [v.labels.result, v.value]));
    expect(byResult).toEqual({ accepted: 2, rejected_auth: 3 });
  });
});

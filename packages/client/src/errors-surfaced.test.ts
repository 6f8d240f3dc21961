import { ErrorCode } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffCeiling } from './backoff.js';
import { type ClientOptions, SwitchboardClient } from './client.js';
import {
  ConnectionClosedError,
  ConnectRejectedError,
  RequestError,
  StaleTokenError,
  type SwitchboardError,
  TokenProviderError,
} from './errors.js';
import type { DisconnectedEvent } from './events.js';
import { FakeServer } from './test-support/fake-server.js';
import { nextEvent, waitFor } from './test-support/wait.js';

const clients: SwitchboardClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  vi.unstubAllGlobals();
});

/** Without jitter the delays are the schedule's ceilings, so the test can check them exactly. */
const STEADY_RECONNECT = {
  initialDelayMs: 5,
  factor: 2,
  maxDelayMs: 40,
  jitter: 'none' as const,
  resetAfterMs: 60_000,
};

function makeClient(server: FakeServer, options: Partial<ClientOptions> = {}): SwitchboardClient {
  const client = new SwitchboardClient({
    url: 'ws://fake',
    token: 'tok',
    WebSocket: server.WebSocket,
    reconnect: STEADY_RECONNECT,
    requestTimeoutMs: 2_000,
    ...options,
  });
  clients.push(client);
  return client;
}

function collect(client: SwitchboardClient): { errors: SwitchboardError[]; closes: DisconnectedEvent[] } {
  const errors: SwitchboardError[] = [];
  const closes: DisconnectedEvent[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('disconnected', (event) => closes.push(event));
  return { errors, closes };
}

describe('a rejected connect', () => {
  it("emits `error` and stops with the server's reason and code in the message", async () => {
    const server = new FakeServer();
    server.connectError = { code: ErrorCode.TokenInvalid, message: 'token invalid' };
    const client = makeClient(server);
    const { errors } = collect(client);
    const connect = client.connect();
    await expect(connect).rejects.toThrow('connect rejected: token invalid (1100)');
    await expect(connect).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toBeInstanceOf(ConnectRejectedError);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({
      name: 'ConnectRejectedError',
      code: 'request_failed',
      serverCode: ErrorCode.TokenInvalid,
      op: 'connect',
      message: 'connect rejected: token invalid (1100)',
    });
  });

  it("names the close code when the server's close forbids reconnecting", async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    const closed = nextEvent(client, 'disconnected');
    server.last.serverClose(4503, 'kicked by admin');
    const event = await closed;
    const error = new ConnectionClosedError(event.code, event.reason, { cause: event.error });
    expect(error.message).toBe('connection closed for good: kicked by admin, kicked (4503)');
  });
});

describe('a token function that keeps failing', () => {
  it('returning an expired token: `token_expired` on every attempt, with exponential backoff', async () => {
    const server = new FakeServer();
    server.connectError = { code: ErrorCode.TokenExpired, message: 'token expired' };
    const client = makeClient(server, { token: () => 'stale' });
    const { errors, closes } = collect(client);
    void client.connect();
    await waitFor(() => closes.length >= 5, '5 refused attempts');
    expect(errors.slice(0, 5).map((e) => [e.name, e.code, e.message])).toEqual(
      Array(5).fill([
        'StaleTokenError',
        'token_expired',
        'the token function returned a token the server refused: connect rejected: token expired (1101)',
      ]),
    );
    expect(errors[0]).toBeInstanceOf(StaleTokenError);
    expect((errors[0] as StaleTokenError).serverCode).toBe(ErrorCode.TokenExpired);
    expect(errors[0]?.cause).toBeInstanceOf(ConnectRejectedError);
    closes.slice(0, 5).forEach((close, attempt) => {
      expect(close).toMatchObject({ reason: 'connect_rejected', reconnect: true });
      expect(close.error).toMatchObject({ code: 'request_failed', serverCode: ErrorCode.TokenExpired });
      expect(close.delayMs).toBe(backoffCeiling(STEADY_RECONNECT, attempt));
    });
    server.connectError = undefined;
    await nextEvent(client, 'connected');
  });

  it('throwing: `token_provider` on every attempt, with the same backoff', async () => {
    const server = new FakeServer();
    const client = makeClient(server, {
      token: () => {
        throw new Error('auth backend down');
      },
    });
    const { errors, closes } = collect(client);
    void client.connect();
    await waitFor(() => closes.length >= 4, '4 failed attempts');
    expect(errors[0]).toBeInstanceOf(TokenProviderError);
    expect(errors[0]?.message).toBe('the token provider failed: auth backend down');
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['token_provider']));
    closes.slice(0, 4).forEach((close, attempt) => {
      expect(close).toMatchObject({ reason: 'token_provider_failed', reconnect: true });
      expect(close.delayMs).toBe(backoffCeiling(STEADY_RECONNECT, attempt));
    });
    expect(server.sockets).toHaveLength(0);
  });
});

describe('browser online/offline events', () => {
  /** A stand-in for `window`: the client listens on `globalThis`. */
  function fakeWindow(): { goOffline(): void; goOnline(): void; listeners(): number } {
    const target = new EventTarget();
    let listeners = 0;
    vi.stubGlobal('addEventListener', (type: string, listener: () => void) => {
      listeners += 1;
      target.addEventListener(type, listener);
    });
    vi.stubGlobal('removeEventListener', (type: string, listener: () => void) => {
      listeners -= 1;
      target.removeEventListener(type, listener);
    });
    return {
      goOffline: () => target.dispatchEvent(new Event('offline')),
      goOnline: () => target.dispatchEvent(new Event('online')),
      listeners: () => listeners,
    };
  }

  it('offline: closes the suspect connection and queues publishes without trying to reconnect', async () => {
    const browser = fakeWindow();
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    const closed = nextEvent(client, 'disconnected');
    browser.goOffline();
    const event = await closed;
    expect(event).toMatchObject({ reason: 'offline', reconnect: true });
    expect(event.delayMs).toBeUndefined();
    expect(client.state).toBe('disconnected');
    const published = client.publish('r', 'e', 1);
    expect(client.queued).toBe(1);
    // Far longer than every backoff step: nothing is attempted while offline.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.sockets).toHaveLength(1);

    browser.goOnline();
    await nextEvent(client, 'connected');
    await expect(published).resolves.toMatchObject({ offset: 1 });
    expect(server.sockets).toHaveLength(2);
  });

  it('online: reconnects at once instead of waiting out the backoff delay', async () => {
    const browser = fakeWindow();
    const server = new FakeServer();
    const slow = { ...STEADY_RECONNECT, initialDelayMs: 60_000, maxDelayMs: 60_000 };
    const client = makeClient(server, { reconnect: slow });
    await client.connect();
    const closed = nextEvent(client, 'disconnected');
    server.last.drop();
    expect(await closed).toMatchObject({ reconnect: true, delayMs: 60_000 });
    const started = Date.now();
    browser.goOnline();
    await nextEvent(client, 'connected', () => true, 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops listening once the client stops', async () => {
    const browser = fakeWindow();
    const server = new FakeServer();
    const client = makeClient(server);
    await client.connect();
    expect(browser.listeners()).toBe(2);
    await client.disconnect();
    expect(browser.listeners()).toBe(0);
    browser.goOnline();
    expect(server.sockets).toHaveLength(1);
  });
});

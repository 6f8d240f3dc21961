import type { Duplex } from 'node:stream';
import type { AuthClient, Identity } from '@switchboard/auth';
import { RemoteError } from '@switchboard/bus';
import { CloseCode, type ConnectResult, ErrorCode } from '@switchboard/protocol';
import type { RouterClient } from '@switchboard/router';
import { silentLogger } from '@switchboard/telemetry';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Connection, type EdgeSocket } from '../connection.js';
import type { ConnectionDeadlines } from '../connection-deadlines.js';
import type { ConnectionWriter } from '../connection-writer.js';
import type { Membership } from '../membership.js';
import { EdgeMetrics } from '../metrics.js';
import type { CommandContext } from './context.js';
import { commands, dispatch } from './table.js';

const alice: Identity = { user: 'alice', grants: { join: ['*'], publish: ['*'] } };

/** A context whose writer records what handlers answer; services are supplied per test. */
function setup(services: Partial<CommandContext> = {}) {
  const sent: unknown[] = [];
  const writer = {
    reply: (_c: Connection, id: number | undefined, result: unknown) => sent.push({ id, result }),
    replyError: (_c: Connection, id: number | undefined, code: number) => sent.push({ id, error: code }),
    close: (conn: Connection, code: number) => {
      sent.push({ close: code });
      conn.markClosed();
    },
  } as unknown as ConnectionWriter;
  const ran: unknown[] = [];
  const ctx: CommandContext = {
    auth: {} as AuthClient,
    router: {} as RouterClient,
    presence: {} as CommandContext['presence'],
    writer,
    membership: {} as Membership,
    deadlines: { armExpiry: () => {} } as unknown as ConnectionDeadlines,
    metrics: new EdgeMetrics(new Registry()),
    log: silentLogger(),
    open: (conn, identity) => conn.open(identity),
    holdUser: async () => {},
    releaseUser: () => {},
    userReady: async () => {},
    connectResult: (conn) => ({ conn: conn.id, user: conn.identity!.user }) as ConnectResult,
    run: (_conn, command) => ran.push(command.op),
    ...services,
  };
  const conn = new Connection('c1', {} as EdgeSocket, {} as Duplex, { frame() {}, closed() {} }, 10);
  return { ctx, conn, sent, ran };
}

describe('the command table', () => {
  it('has a handler for every op of the protocol', () => {
    expect(Object.keys(commands).sort()).toEqual(
      ['connect', 'history', 'join', 'leave', 'ping', 'presence', 'publish', 'refresh'].sort(),
    );
  });

  it('dispatches by op: ping replies with an empty result', async () => {
    const { ctx, conn, sent } = setup();
    conn.open(alice);
    await dispatch(ctx, conn, { op: 'ping', id: 4 });
    expect(sent).toEqual([{ id: 4, result: {} }]);
  });

  it('connect opens the connection, replies, then runs what was pipelined behind it', async () => {
    const { ctx, conn, sent, ran } = setup({
      auth: { verify: async () => alice } as unknown as AuthClient,
    });
    const connecting = dispatch(ctx, conn, { op: 'connect', id: 1, token: 't' });
    expect(conn.state).toBe('authenticating');
    conn.pipeline({ op: 'ping', id: 2 }, 16);
    await connecting;
    expect(conn.isOpen).toBe(true);
    expect(sent).toEqual([{ id: 1, result: { conn: 'c1', user: 'alice' } }]);
    expect(ran).toEqual(['ping']);
  });

  it('connect without a token, or with a bad one, is refused and closed', async () => {
    const missing = setup();
    await dispatch(missing.ctx, missing.conn, { op: 'connect', id: 1 });
    expect(missing.sent).toEqual([
      { id: 1, error: ErrorCode.TokenInvalid },
      { close: CloseCode.Unauthorized },
    ]);

    const expired = setup({
      auth: {
        verify: async () => {
          throw new RemoteError(ErrorCode.TokenExpired, 'expired');
        },
      } as unknown as AuthClient,
    });
    await dispatch(expired.ctx, expired.conn, { op: 'connect', id: 1, token: 'old' });
    expect(expired.sent).toEqual([
      { id: 1, error: ErrorCode.TokenExpired },
      { close: CloseCode.TokenExpired },
    ]);
  });

  it('refresh keeps the user: a token for someone else is refused', async () => {
    const { ctx, conn, sent } = setup({
      auth: { verify: async () => ({ ...alice, user: 'mallory' }) } as unknown as AuthClient,
    });
    conn.open(alice);
    await dispatch(ctx, conn, { op: 'refresh', id: 3, token: 't' });
    expect(sent).toEqual([{ id: 3, error: ErrorCode.TokenUserMismatch }]);
    expect(conn.identity).toBe(alice);
  });

  it('publishes of one connection reach the router one after another, in order', async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { ctx, conn, sent } = setup({
      router: {
        publish: async (request: { event: string }) => {
          order.push(`start ${request.event}`);
          if (request.event === 'a') await first;
          order.push(`end ${request.event}`);
          return { offset: order.length };
        },
      } as unknown as RouterClient,
    });
    conn.open(alice);
    const a = dispatch(ctx, conn, { op: 'publish', id: 1, room: 'r', event: 'a', data: null });
    const b = dispatch(ctx, conn, { op: 'publish', id: 2, room: 'r', event: 'b', data: null });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['start a']);
    release();
    await Promise.all([a, b]);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(sent.map((s) => (s as { id: number }).id)).toEqual([1, 2]);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode } from '@switchboard/protocol';
import { silentLogger } from '@switchboard/telemetry';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Connection, EdgeSocket, type SocketEvents } from './connection.js';
import { ConnectionWriter } from './connection-writer.js';
import { EdgeMetrics } from './metrics.js';
import { textFrame } from './ws-frame.js';

const noEvents: SocketEvents = { frame: () => {}, closed: () => {} };

describe('ConnectionWriter on loopback sockets', () => {
  let server: Server | undefined;
  const clients: WebSocket[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** A server-side Connection and the client at the other end, recording what it receives. */
  async function connected(outboundMaxBytes: number) {
    const wss = new WebSocketServer({ noServer: true, WebSocket: EdgeSocket, perMessageDeflate: false });
    const serverSide = new Promise<Connection>((resolve) => {
      server = createServer();
      server.on('upgrade', (req, socket, head) =>
        wss.handleUpgrade(req, socket, head, (ws) =>
          resolve(new Connection('c1', ws as EdgeSocket, socket, noEvents, 10)),
        ),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(server!.address() as AddressInfo).port}`);
    clients.push(client);
    const received: string[] = [];
    client.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      received.push(data.toString());
    });
    const closed = new Promise<number>((resolve) => client.on('close', (code) => resolve(code)));
    const conn = await serverSide;
    await new Promise((resolve) => client.once('open', resolve));
    const cleanedUp: Connection[] = [];
    const metrics = new EdgeMetrics(new Registry());
    const writer = new ConnectionWriter({
      metrics,
      log: silentLogger(),
      outboundMaxBytes,
      closed: (c) => cleanedUp.push(c),
    });
    return { conn, writer, received, closed, cleanedUp, metrics };
  }

  it('writes pre-framed text frames and replies straight to the socket, counting them by kind', async () => {
    const { conn, writer, received, metrics } = await connected(1 << 20);
    expect(writer.sendWire(conn, textFrame(Buffer.from('{"t":"msg"}')))).toBe(true);
    writer.reply(conn, 7, { ok: true });
    writer.replyError(conn, undefined, 1000, 'bad', 250);
    writer.push(conn, { t: 'refresh', deadline: 5 });
    await expect.poll(() => received.length).toBe(4);
    expect(received).toEqual([
      '{"t":"msg"}',
      '{"id":7,"result":{"ok":true}}',
      '{"error":{"code":1000,"message":"bad","retryAfterMs":250}}',
      '{"t":"refresh","deadline":5}',
    ]);
    const out = Object.fromEntries(
      (await metrics.framesOut.get()).values.map((v) => [v.labels.kind, v.value]),
    );
    expect(out).toEqual({ reply: 2, refresh: 1 });
  });

  it('writes a heartbeat (WebSocket ping and app ping) with one socket write', async () => {
    const { conn, writer, received, metrics } = await connected(1 << 20);
    const client = clients.at(-1)!;
    let pings = 0;
    client.on('ping', () => pings++);
    const writes: unknown[] = [];
    const write = conn.raw.write.bind(conn.raw);
    conn.raw.write = ((chunk: Buffer) => {
      writes.push(chunk);
      return write(chunk);
    }) as typeof conn.raw.write;
    conn.open({ user: 'u', grants: { join: [], publish: [] } });
    expect(writer.ping(conn)).toBe(true);
    await expect.poll(() => received.length).toBe(1);
    expect(received).toEqual(['{"t":"ping"}']);
    expect(pings).toBe(1);
    expect(writes).toHaveLength(1);
    const out = Object.fromEntries(
      (await metrics.framesOut.get()).values.map((v) => [v.labels.kind, v.value]),
    );
    expect(out).toEqual({ ping: 1 });
  });

  it('closes a slow consumer with 4002 instead of buffering past the limit, without a disconnect push', async () => {
    const { conn, writer, received, closed, cleanedUp } = await connected(1_000);
    expect(writer.sendWire(conn, textFrame(Buffer.alloc(900, 'x')))).toBe(true);
    expect(writer.sendWire(conn, textFrame(Buffer.alloc(1_200, 'x')))).toBe(false);
    expect(conn.closeCode).toBe(CloseCode.SlowConsumer);
    expect(cleanedUp).toEqual([conn]);
    expect(await closed).toBe(CloseCode.SlowConsumer);
    expect(received).toHaveLength(1);
  });

  it('tells the client why before closing, and closes once', async () => {
    const { conn, writer, received, closed, cleanedUp } = await connected(1 << 20);
    writer.close(conn, CloseCode.Kicked, 'bye');
    conn.markClosed();
    writer.close(conn, CloseCode.Kicked, 'again');
    expect(writer.sendWire(conn, textFrame(Buffer.from('{}')), 'reply')).toBe(false);
    expect(await closed).toBe(CloseCode.Kicked);
    expect(cleanedUp).toEqual([conn]);
    expect(JSON.parse(received[0]!)).toEqual({
      t: 'disconnect',
      code: CloseCode.Kicked,
      reason: 'bye',
      reconnect: CloseCode.Kicked < 4500,
    });
    expect(received).toHaveLength(1);
  });
});

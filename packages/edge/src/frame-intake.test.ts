import type { Duplex } from 'node:stream';
import type { ClientCommand } from '@switchboard/protocol';
import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Connection, type EdgeSocket } from './connection.js';
import type { ConnectionWriter } from './connection-writer.js';
import { FrameIntake } from './frame-intake.js';
import { EdgeMetrics } from './metrics.js';

/** A writer that records what the intake answers, and a connection on no real socket. */
function setup(options: { burst?: number; maxFrameBytes?: number } = {}) {
  const errors: Array<{ id: number | undefined; code: number }> = [];
  const closes: number[] = [];
  const ran: ClientCommand[] = [];
  const writer = {
    replyError: (_conn: Connection, id: number | undefined, code: number) => errors.push({ id, code }),
    close: (conn: Connection, code: number) => {
      closes.push(code);
      conn.markClosed();
    },
  } as unknown as ConnectionWriter;
  const burst = options.burst ?? 100;
  const intake = new FrameIntake({
    writer,
    metrics: new EdgeMetrics(new Registry()),
    rate: { rate: 0.001, burst },
    maxFrameBytes: options.maxFrameBytes ?? 1024,
    run: (_conn, command) => ran.push(command),
  });
  const conn = new Connection('c1', {} as EdgeSocket, {} as Duplex, { frame() {}, closed() {} }, burst);
  const send = (text: string, isBinary = false) => intake.receive(conn, Buffer.from(text), isBinary);
  return { conn, send, errors, closes, ran };
}

describe('FrameIntake', () => {
  it('closes a connection whose first command is not connect', () => {
    const { send, errors, closes, ran } = setup();
    send('{"op":"ping","id":1}');
    expect(errors).toEqual([{ id: 1, code: ErrorCode.NotAuthenticated }]);
    expect(closes).toEqual([CloseCode.ProtocolError]);
    expect(ran).toEqual([]);
  });

  it('runs connect, and pipelines up to 16 commands behind it while its token is verified', () => {
    const { conn, send, errors, ran } = setup();
    send('{"op":"connect","id":1,"token":"t"}');
    expect(ran.map((c) => c.op)).toEqual(['connect']);
    conn.beginAuthentication();
    for (let id = 2; id <= 18; id++) send(`{"op":"ping","id":${id}}`);
    expect(ran).toHaveLength(1);
    expect(conn.takePipelined()?.map((c) => c.id)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
    ]);
    expect(errors).toEqual([{ id: 18, code: ErrorCode.NotAuthenticated }]);
  });

  it('answers binary, oversized and malformed frames with coded errors and keeps the connection', () => {
    const { conn, send, errors, closes } = setup({ maxFrameBytes: 40 });
    conn.open({ user: 'u', grants: { join: [], publish: [] } });
    send('{"op":"ping","id":1}', true);
    send(`{"op":"ping","id":2,"pad":"${'x'.repeat(40)}"}`);
    send('{"op":"nope","id":3}');
    expect(errors.map((e) => e.code)).toEqual([
      ErrorCode.BadRequest,
      ErrorCode.TooLarge,
      ErrorCode.UnknownOp,
    ]);
    expect(errors[1]!.id).toBe(2);
    expect(errors[2]!.id).toBe(3);
    expect(closes).toEqual([]);
  });

  it('refuses frames past the burst with a retry hint, and closes a client that keeps flooding', () => {
    const { conn, send, errors, closes, ran } = setup({ burst: 3 });
    conn.open({ user: 'u', grants: { join: [], publish: [] } });
    for (let id = 1; id <= 3; id++) send(`{"op":"ping","id":${id}}`);
    expect(ran).toHaveLength(3);
    for (let id = 4; id <= 6; id++) send(`{"op":"ping","id":${id}}`);
    expect(errors.map((e) => [e.id, e.code])).toEqual([
      [4, ErrorCode.RateLimited],
      [5, ErrorCode.RateLimited],
      [6, ErrorCode.RateLimited],
    ]);
    expect(closes).toEqual([]);
    send('{"op":"ping","id":7}');
    expect(closes).toEqual([CloseCode.RateLimited]);
    send('{"op":"ping","id":8}');
    expect(ran).toHaveLength(3);
  });
});

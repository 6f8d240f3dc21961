/**
 * The baselines: a bare `ws` server with no auth, no rooms, no history, no metrics library.
 * It speaks just enough of the Switchboard protocol for the same benchmark client: `connect`
 * is acknowledged without checking anything, `join` adds the socket to the one broadcast set,
 * and on `publish` it builds the message and fans it out:
 *
 * - BENCH_MODE=naive (naive-ws): for each member socket, JSON.stringify the message and
 *   ws.send it — the naive fan-out.
 * - BENCH_MODE=floor (raw-floor): serialize once, build the WebSocket frame bytes once, and
 *   socket.write those bytes to each member's TCP socket, bypassing ws's sender. Nothing
 *   cheaper can be done per member from JavaScript: one write syscall each. It shows how
 *   much of a fan-out's time is the kernel's on this machine.
 *
 * Run by bench/fanout.ts and bench/memory.ts as a child process (BENCH_WS_PORT,
 * BENCH_HTTP_PORT). /metrics reports the same two process gauges prom-client's default metrics
 * export from the real server, read the same way (VmRSS and V8 used heap).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

const host = '127.0.0.1';
const wsPort = Number(process.env['BENCH_WS_PORT'] ?? 8081);
const httpPort = Number(process.env['BENCH_HTTP_PORT'] ?? 9091);

const floor = process.env['BENCH_MODE'] === 'floor';

const members = new Set<WebSocket>();
/** floor mode: each member's TCP socket, written to directly. */
const tcp = new Map<WebSocket, Duplex>();
let offset = 0;

const upgrades = createServer((_req, res) => res.writeHead(426).end());
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
upgrades.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (floor) tcp.set(ws, socket);
    wss.emit('connection', ws, req);
  });
});

/** An unmasked, unfragmented server text frame. */
function textFrame(payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x81;
  if (len < 126) out[1] = len;
  else if (len < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(out, head);
  return out;
}

interface Command {
  op?: string;
  id?: number;
  room?: string;
  event?: string;
  data?: unknown;
}

wss.on('connection', (ws) => {
  ws.on('message', (raw: Buffer) => {
    let command: Command;
    try {
      command = JSON.parse(raw.toString('utf8')) as Command;
    } catch {
      ws.send('{"error":{"code":1000,"message":"bad JSON"}}');
      return;
    }
    switch (command.op) {
      case 'connect':
        ws.send(JSON.stringify({ id: command.id, result: { conn: 'naive', user: 'naive' } }));
        return;
      case 'join':
        members.add(ws);
        ws.send(JSON.stringify({ id: command.id, result: { room: command.room, offset, epoch: 'naive' } }));
        return;
      case 'publish': {
        offset += 1;
        const message = {
          t: 'msg',
          room: command.room,
          offset,
          epoch: 'naive',
          event: command.event,
          data: command.data,
          from: { user: 'naive', conn: 'naive' },
          ts: Date.now(),
        };
        if (floor) {
          const frame = textFrame(Buffer.from(JSON.stringify(message)));
          for (const member of members) tcp.get(member)?.write(frame);
        } else {
          for (const member of members) {
            if (member.readyState === WebSocket.OPEN) member.send(JSON.stringify(message));
          }
        }
        ws.send(JSON.stringify({ id: command.id, result: { offset, epoch: 'naive' } }));
        return;
      }
      default:
        ws.send(JSON.stringify({ id: command.id, result: {} }));
    }
  });
  ws.on('close', () => {
    members.delete(ws);
    tcp.delete(ws);
  });
});

function rssBytes(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

const http = createServer((req, res) => {
  if (req.url === '/readyz' || req.url === '/healthz') {
    res.writeHead(200).end('{"status":"ready"}');
    return;
  }
  if (req.url === '/metrics') {
    res
      .writeHead(200, { 'Content-Type': 'text/plain' })
      .end(
        `process_resident_memory_bytes ${rssBytes()}\n` +
          `nodejs_heap_size_used_bytes ${process.memoryUsage().heapUsed}\n` +
          `naive_connections ${wss.clients.size}\n`,
      );
    return;
  }
  res.writeHead(404).end();
});
// /readyz answers only once the WebSocket port listens.
upgrades.listen(wsPort, host, () => http.listen(httpPort, host));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    upgrades.close();
    http.close();
    process.exit(0);
  });
}

/**
 * The Socket.IO baseline of the cluster benchmark (bench/cluster.ts): one Socket.IO 4 node
 * with @socket.io/redis-adapter, so two of them behind one redis-server form a cluster.
 * What it does per connection mirrors the Switchboard work the benchmark measures, as far as
 * Socket.IO has it: an HS256 JWT verified in the handshake middleware (jsonwebtoken), `join`
 * (ack), `publish` (broadcast to the room through the adapter, ack). It has no history,
 * recovery or presence: it does less per message than Switchboard or Centrifugo.
 *
 * Configured by BENCH_* variables: BENCH_WS_PORT, BENCH_REDIS_URL (`rediss://user:pass@…` for
 * TLS), BENCH_REDIS_CA_FILE (the CA of a TLS Redis), BENCH_JWT_SECRET.
 * Prints "ready" once it listens.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { Server } from 'socket.io';

const port = Number(process.env['BENCH_WS_PORT']);
const redisUrl = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const secret = process.env['BENCH_JWT_SECRET'] ?? '';

const caFile = process.env['BENCH_REDIS_CA_FILE'];

const pub = new Redis(redisUrl, caFile ? { tls: { ca: readFileSync(caFile) } } : {});
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  adapter: createAdapter(pub, sub),
});

io.use((socket, next) => {
  const token: unknown = socket.handshake.auth['token'];
  if (typeof token !== 'string') return next(new Error('no token'));
  try {
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
    socket.data['user'] = typeof claims === 'object' ? claims.sub : undefined;
    next();
  } catch {
    next(new Error('bad token'));
  }
});

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room === 'string') void socket.join(room);
    if (typeof ack === 'function') ack();
  });
  socket.on('publish', (room: unknown, data: unknown, ack: unknown) => {
    if (typeof room === 'string') io.to(room).emit('msg', data);
    if (typeof ack === 'function') ack();
  });
});

http.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void io.close();
    pub.disconnect();
    sub.disconnect();
    process.exit(0);
  });
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Bus, decodeText, Subjects } from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import type { ApiCore } from '../core.js';
import { SwitchboardApiError, toApiError } from '../errors.js';
import { browserModule, consoleAssets } from './assets.js';
import { Traffic } from './traffic.js';

export interface ConsoleOptions {
  core: ApiCore;
  bus: Bus;
  log: Logger;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The server API's keys: the console asks for one of them (`Authorization: Bearer <key>`). */
  keys: readonly string[];
  /** Accept requests without a key (development's SB_API_INSECURE only). */
  insecure?: boolean;
}

export interface OpsConsole {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const TAIL_KEEPALIVE_MS = 15_000;

/**
 * The ops console: a small web UI (docs/operations.md) on its own port of the api service.
 * The page and its scripts are public; every /api/ route needs an API key as a bearer token, the
 * same keys as the gRPC API. Everything it shows or does goes through `ApiCore` and the bus, as
 * the gRPC API does; the live tail is a stream of server-sent events read with fetch (so the key
 * travels in a header, never in a URL).
 */
export async function startConsole(options: ConsoleOptions): Promise<OpsConsole> {
  const { core, bus, log } = options;
  const keyHashes = options.keys.map(sha256);
  const assets = consoleAssets();
  const traffic = new Traffic(bus);
  const tails = new Set<() => void>();

  const authorized = (req: IncomingMessage): boolean => {
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return options.insecure === true && keyHashes.length === 0;
    const presented = sha256(match[1]!.trim());
    let ok = false;
    for (const known of keyHashes) ok = timingSafeEqual(presented, known) || ok;
    return ok;
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>> = {
    'GET /api/overview': async (_req, res) => {
      const [info, rooms] = await Promise.all([core.info(), core.rooms({ limit: 100 })]);
      json(res, 200, { info, rooms: rooms.rooms, traffic: traffic.rates(), now: Date.now() });
    },
    'GET /api/room': async (_req, res, url) => {
      const room = url.searchParams.get('room') ?? '';
      const [members, stats, history] = await Promise.all([
        core.presence({ room }).catch(() => []),
        core.presenceStats({ room }).catch(() => undefined),
        core.history({ room, limit: 20, reverse: true }).catch(() => undefined),
      ]);
      json(res, 200, { room, members, stats, history: history?.messages ?? [] });
    },
    'POST /api/publish': async (req, res) => {
      const body = (await readJson(req)) as { room: string; event: string; data: unknown };
      const result = await core.publish({
        room: body.room,
        event: body.event,
        data: body.data as never,
        from: '@console',
      });
      json(res, 200, result);
    },
    'POST /api/disconnect': async (req, res) => {
      const body = (await readJson(req)) as { user: string; reason?: string };
      await core.disconnect({ user: body.user, reason: body.reason ?? 'disconnected from the ops console' });
      json(res, 200, {});
    },
    // Revocations go to the auth service through ApiCore, exactly as the gRPC RevokeToken/RevokeUser do.
    'POST /api/revoke-token': async (req, res) => {
      const body = (await readJson(req)) as { jti: string; until?: number };
      json(
        res,
        200,
        await core.revokeToken({ jti: body.jti, ...(body.until !== undefined ? { until: body.until } : {}) }),
      );
    },
    'POST /api/revoke-user': async (req, res) => {
      const body = (await readJson(req)) as { user: string };
      // No `issuedBefore`: every token of the user issued before now.
      json(res, 200, await core.revokeUser({ user: body.user }));
    },
    'GET /api/tail': async (req, res, url) => {
      const room = url.searchParams.get('room') ?? '';
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.write(': tail of one room\n\n');
      const sub = bus.subscribe(Subjects.room(room), (msg) => {
        res.write(`data: ${decodeText(msg.data).replaceAll('\n', ' ')}\n\n`);
      });
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), TAIL_KEEPALIVE_MS);
      const end = () => {
        clearInterval(keepalive);
        sub.unsubscribe();
        tails.delete(end);
        res.end();
      };
      tails.add(end);
      req.on('close', end);
    },
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console');
    const asset =
      req.method === 'GET' ? assets.get(url.pathname === '/' ? '/index.html' : url.pathname) : undefined;
    if (asset) {
      readFile(asset.file).then(
        (raw) => {
          const content = url.pathname.startsWith('/vendor/')
            ? Buffer.from(browserModule(raw.toString('utf8')))
            : raw;
          res
            .writeHead(200, {
              'Content-Type': asset.type,
              'Cache-Control': 'no-cache',
              'Content-Security-Policy':
                "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:",
              'X-Content-Type-Options': 'nosniff',
              'X-Frame-Options': 'DENY',
            })
            .end(content);
        },
        () => json(res, 500, { error: 'asset missing' }),
      );
      return;
    }
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) {
      json(res, 404, { error: 'not found' });
      return;
    }
    if (!authorized(req)) {
      json(res, 401, { error: 'an API key is needed: Authorization: Bearer <key>' });
      return;
    }
    route(req, res, url).catch((error: unknown) => {
      const e = toApiError(error);
      log.debug({ err: e.message, path: url.pathname }, 'console request failed');
      // Codes below 2000 are the caller's mistakes (docs/protocol.md); the rest are the cluster's.
      if (!res.headersSent)
        json(res, e.code < 2000 ? 400 : 502, { error: e.message, code: e.errorName, number: e.code });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      traffic.stop();
      for (const end of [...tails]) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    .end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SwitchboardApiError(ErrorCode.TooLarge, 'the body is too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SwitchboardApiError(ErrorCode.BadRequest, 'the body is not JSON');
  }
}

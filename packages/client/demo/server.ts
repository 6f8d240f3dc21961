/**
 * The demo's dev server: serves the chat page, bundles `app.ts` (with the SDK) for the browser
 * on request with esbuild, and mints development tokens. Not for production: anyone who can
 * reach it gets a token for any user name.
 *
 *   pnpm start                      # Switchboard on :8080 (another terminal)
 *   pnpm --filter @switchboard/client demo
 *   open http://127.0.0.1:5173/?user=alice  and  http://127.0.0.1:5173/?user=bob
 *
 * Environment: SB_DEMO_PORT (5173), SB_DEMO_WS_URL (ws://127.0.0.1:8080), SB_DEMO_ROOM
 * (chat:lobby), SB_JWT_SECRETS (first secret signs; default: the dev secret `pnpm start` uses).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEV_JWT_SECRET, mintToken } from '@switchboard/auth';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface DemoServerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where browsers connect. */
  wsUrl: string;
  /** HS256 secret the Switchboard server accepts. */
  secret: string;
  room?: string;
  /** Token lifetime, seconds. */
  tokenTtlS?: number;
}

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** Bundles the demo app for the browser. Fails on any import a browser cannot satisfy. */
export async function bundleDemo(): Promise<string> {
  const result = await build({
    entryPoints: [`${here}app.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: true,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  return output.text;
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const room = options.room ?? 'chat:lobby';
  const ttlS = options.tokenTtlS ?? 600;
  const html = await readFile(`${here}index.html`, 'utf8');
  // Built up front so a broken bundle fails start-up, and again per request in dev mode
  // (esbuild takes milliseconds) so edits show on reload.
  await bundleDemo();

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return send(res, 200, 'text/html; charset=utf-8', html);
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', await bundleDemo());
      case '/config':
        return send(res, 200, 'application/json', JSON.stringify({ wsUrl: options.wsUrl, room }));
      case '/token': {
        const user = url.searchParams.get('user') ?? '';
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(user))
          return send(res, 400, 'text/plain', 'user: 1–64 of A–Z a–z 0–9 _ -');
        const token = mintToken(options.secret, {
          user,
          join: ['chat:*'],
          publish: ['chat:*'],
          meta: { name: user },
          ttlS,
        });
        return send(res, 200, 'application/json', JSON.stringify({ token }));
      }
      case '/favicon.ico':
        return send(res, 204, 'text/plain', '');
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, 'text/plain', String(error)));
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const demo = await startDemoServer({
    port: Number(env['SB_DEMO_PORT'] ?? 5173),
    wsUrl: env['SB_DEMO_WS_URL'] ?? 'ws://127.0.0.1:8080',
    secret: env['SB_JWT_SECRETS']?.split(',')[0]?.trim() || DEV_JWT_SECRET,
    ...(env['SB_DEMO_ROOM'] ? { room: env['SB_DEMO_ROOM'] } : {}),
  });
  console.log(`chat demo on ${demo.url}/?user=alice (and ?user=bob in another window)`);
}

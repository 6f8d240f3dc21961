import { readFileSync as readFileSyncOrThrow, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEV_API_KEY } from '@switchboard/api/dev-key';
import { DEV_JWT_SECRET, mintToken } from '@switchboard/auth';
import type { JsonValue, MessagePush, PresencePush } from '@switchboard/protocol';
import { ErrorCode, GrpcServerClient, type ServerApi, SwitchboardApiError } from '@switchboard/server-sdk';
import { NatsServerClient } from '@switchboard/server-sdk/nats';
import WebSocket from 'ws';
import { historyLines, infoTable, members, roomsTable, table } from './format.js';
import { NatsConfigError, natsConfigText } from './nats-config.js';
import { grpcTarget as defaultGrpcTarget, wsUrl as defaultWsUrl } from './targets.js';

/**
 * `switchboard`: the command line for the server API (gRPC, or NATS with --nats) and for
 * watching rooms over WebSocket (`tail`). Human-readable output by default, `--json` for
 * scripts. Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 unreachable, 4 bad API key/token.
 */

const USAGE = `Usage: switchboard <command> [arguments] [flags]

Commands:
  token --user <id> [--rooms p,…] [--join p,…] [--publish p,…] [--name n] [--ttl s] [--jti id]
                                         mint a development token (HS256)
  publish <room> <event> [<json>]        publish to a room   [--key k] [--from user]
  broadcast <room,room,…> <event> [<json>]
                                         publish to several rooms at once
  notify <user> <event> [<json>]         send an event to every connection of a user
  tail <room>                            join over WebSocket and print messages as they arrive
                                         [--user id | --token t] [--count n]
  presence <room> [--stats]              who is in a room (or just the counts)
  history <room>                         stored messages  [--limit n] [--reverse] [--since offset:epoch]
  disconnect (--user id | --conn id)     close connections  [--code 4000-4999] [--reason text]
  revoke --jti <id> [--until time]       revoke one token (until: its expiry; ms since epoch or ISO date)
  revoke --user <id> [--before time]     revoke a user's tokens issued before a time (default now)
                                         open connections holding them are closed with 4501
  subscribe <user> <room>                join every connection of a user to a room
  unsubscribe <user> <room>              remove every connection of a user from a room
  rooms                                  rooms with members  [--limit n] [--cursor c] [--all]
  info                                   cluster nodes, versions, connections
  health                                 grpc.health.v1 status of the server API
  nats-config [--roles r,…] [--passwords <dir> | --nkeys <dir>] [--user-prefix sb-] [--out <file>]
                                         write the nats-server authorization block (one user per
                                         role: edge, auth, router, presence, api, backend; see
                                         docs/security.md). Passwords from <dir>/<role>, NKeys from
                                         <dir>/<role>.pub (or .nk seeds); by default the config
                                         reads each password from $SB_NATS_PASSWORD_<ROLE>

Connection flags (environment fallback in brackets):
  --grpc <host:port>     server API [SWITCHBOARD_GRPC, else SB_GRPC_HOST:SB_GRPC_PORT]
                                                                  default localhost:50051
  --api-key <key>        API key [SWITCHBOARD_API_KEY]            default the development key
  --tls                  use TLS for gRPC;  --ca <file> --cert <file> --key-file <file> for private CA / mTLS
  --nats <url>           talk to NATS directly instead of gRPC [SWITCHBOARD_NATS] (not for info/health);
                         nats://user:pass@host for a secured bus (the backend identity publishes and
                         notifies; reads and control need the api identity), --ca etc. for its TLS
  --url <ws-url>         WebSocket, for tail [SWITCHBOARD_URL, else ws://SB_WS_HOST:SB_WS_PORT]
                                                                  default ws://localhost:8080
  --secret <secret>      HS256 secret for token/tail [SWITCHBOARD_JWT_SECRET, else first of SB_JWT_SECRETS,
                         else the development secret]
  --timeout <ms>         per request (default 10000)
  --json                 machine-readable output (one JSON document; tail: one per line)
  -h, --help`;

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, unauthenticated: 4 } as const;

class UsageError extends Error {}
class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly detail?: object,
  ) {
    super(message);
  }
}

const OPTIONS = {
  grpc: { type: 'string' },
  'api-key': { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  'key-file': { type: 'string' },
  nats: { type: 'string' },
  url: { type: 'string' },
  secret: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  // command flags
  user: { type: 'string' },
  conn: { type: 'string' },
  rooms: { type: 'string' },
  join: { type: 'string' },
  publish: { type: 'string' },
  name: { type: 'string' },
  ttl: { type: 'string' },
  key: { type: 'string' },
  from: { type: 'string' },
  token: { type: 'string' },
  count: { type: 'string' },
  stats: { type: 'boolean' },
  limit: { type: 'string' },
  reverse: { type: 'boolean' },
  since: { type: 'string' },
  code: { type: 'string' },
  reason: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  roles: { type: 'string' },
  passwords: { type: 'string' },
  nkeys: { type: 'string' },
  out: { type: 'string' },
  'user-prefix': { type: 'string' },
  jti: { type: 'string' },
  until: { type: 'string' },
  before: { type: 'string' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

interface Ctx {
  values: Values;
  args: string[];
  json: boolean;
  out(human: string, json: unknown): void;
  api(): Promise<ServerApi>;
  grpcTarget: string;
  timeoutMs: number;
}

const env = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`switchboard: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (!command) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  const json = values.json ?? false;
  const timeoutMs = values.timeout !== undefined ? positiveInt(values.timeout, '--timeout') : 10_000;
  const grpcTarget = values.grpc ?? defaultGrpcTarget(process.env);
  const natsUrl = values.nats ?? env('SWITCHBOARD_NATS');
  let client: ServerApi | undefined;
  const ctx: Ctx = {
    values,
    args,
    json,
    grpcTarget,
    timeoutMs,
    out(human, doc) {
      process.stdout.write(json ? `${JSON.stringify(doc, null, 2)}\n` : `${human}\n`);
    },
    async api() {
      if (client) return client;
      if (natsUrl !== undefined) {
        try {
          client = await NatsServerClient.connect({
            servers: natsUrl.split(','),
            name: 'switchboard-cli',
            timeoutMs,
            // A private CA (and client certificate) for NATS too: the same flags as for gRPC.
            ...(values.ca !== undefined
              ? {
                  tls: {
                    caFile: values.ca,
                    ...(values.cert !== undefined ? { certFile: values.cert } : {}),
                    ...(values['key-file'] !== undefined ? { keyFile: values['key-file'] } : {}),
                  },
                }
              : {}),
          });
        } catch (error) {
          throw new CliFailure(
            `cannot reach NATS at ${natsUrl}: ${(error as Error).message}`,
            EXIT.unreachable,
          );
        }
      } else {
        client = new GrpcServerClient({
          url: grpcTarget,
          apiKey: values['api-key'] ?? env('SWITCHBOARD_API_KEY') ?? DEV_API_KEY,
          timeoutMs,
          ...tlsOptions(values),
        });
      }
      return client;
    },
  };
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return (await run(ctx)) ?? EXIT.ok;
  } catch (error) {
    return report(error, ctx);
  } finally {
    await client?.close();
  }
}

function report(error: unknown, ctx: Ctx): number {
  let failure: CliFailure;
  if (error instanceof UsageError || error instanceof NatsConfigError) {
    failure = new CliFailure(`${error.message} (see switchboard --help)`, EXIT.usage);
  } else if (error instanceof CliFailure) {
    failure = error;
  } else if (error instanceof SwitchboardApiError) {
    const message = error.message.replace(/\.?\s*Resolution note:\s*$/, '');
    const detail = { code: error.code, name: error.errorName, message };
    if (error.code === ErrorCode.NotAuthenticated) {
      failure = new CliFailure(
        `the server API refused the API key (${message}); pass --api-key or set SWITCHBOARD_API_KEY`,
        EXIT.unauthenticated,
        detail,
      );
    } else if (error.code === ErrorCode.Unavailable || error.code === ErrorCode.Timeout) {
      failure = new CliFailure(
        `cannot reach the server API at ${ctx.grpcTarget}: ${message} (is it running? --grpc / SWITCHBOARD_GRPC)`,
        EXIT.unreachable,
        detail,
      );
    } else {
      failure = new CliFailure(`${error.errorName} (${error.code}): ${message}`, EXIT.refused, detail);
    }
  } else {
    failure = new CliFailure((error as Error).message ?? String(error), EXIT.refused);
  }
  if (ctx.json) {
    process.stderr.write(
      `${JSON.stringify({ error: { message: failure.message, exitCode: failure.exitCode, ...failure.detail } })}\n`,
    );
  } else {
    process.stderr.write(`switchboard: ${failure.message}\n`);
  }
  return failure.exitCode;
}

// ---- commands ------------------------------------------------------------------------------

type Command = (ctx: Ctx) => Promise<number | undefined>;

const COMMANDS: Record<string, Command> = {
  async 'nats-config'({ values }) {
    const text = natsConfigText({
      ...(values.roles !== undefined ? { roles: values.roles } : {}),
      ...(values.passwords !== undefined ? { passwords: values.passwords } : {}),
      ...(values.nkeys !== undefined ? { nkeys: values.nkeys } : {}),
      ...(values['user-prefix'] !== undefined ? { userPrefix: values['user-prefix'] } : {}),
    });
    if (values.out !== undefined) {
      // The file may hold passwords: readable by its owner only.
      writeFileSync(values.out, text, { mode: 0o600 });
      process.stderr.write(`wrote ${values.out}\n`);
    } else {
      process.stdout.write(text);
    }
    return EXIT.ok;
  },

  async token({ values, out }) {
    if (!values.user) throw new UsageError('token needs --user <id>');
    const rooms = split(values.rooms);
    const ttl = values.ttl !== undefined ? positiveInt(values.ttl, '--ttl') : 3600;
    const token = mintToken(secret(values), {
      user: values.user,
      join: [...rooms, ...split(values.join)],
      publish: [...rooms, ...split(values.publish)],
      ...(values.name ? { meta: { name: values.name } } : {}),
      ...(values.jti ? { jti: values.jti } : {}),
      ttlS: ttl,
    });
    out(token, { token, user: values.user, expiresAt: Date.now() + ttl * 1000 });
    return EXIT.ok;
  },

  async publish(ctx) {
    const [room, event, data] = need(ctx.args, ['room', 'event'], 3);
    const result = await (await ctx.api()).publish({
      room,
      event,
      data: jsonArg(data),
      ...(ctx.values.key ? { key: ctx.values.key } : {}),
      ...(ctx.values.from ? { from: ctx.values.from } : {}),
    });
    ctx.out(
      `published to ${room}: offset ${result.offset}, epoch ${result.epoch}${result.duplicate ? ' (duplicate: already published with this key)' : ''}`,
      { room, ...result },
    );
    return EXIT.ok;
  },

  async broadcast(ctx) {
    const [rooms, event, data] = need(ctx.args, ['rooms', 'event'], 3);
    const results = await (await ctx.api()).broadcast({
      rooms: split(rooms),
      event,
      data: jsonArg(data),
      ...(ctx.values.key ? { key: ctx.values.key } : {}),
      ...(ctx.values.from ? { from: ctx.values.from } : {}),
    });
    ctx.out(
      table(
        ['ROOM', 'RESULT'],
        results.map((r) => [r.room, r.ok ? `offset ${r.offset}` : `error ${r.code}: ${r.message}`]),
      ),
      { results },
    );
    return results.every((r) => r.ok) ? EXIT.ok : EXIT.refused;
  },

  async notify(ctx) {
    const [user, event, data] = need(ctx.args, ['user', 'event'], 3);
    await (await ctx.api()).publishToUser({ user, event, data: jsonArg(data) });
    ctx.out(`sent ${event} to every connection of ${user}`, { user, event, ok: true });
    return EXIT.ok;
  },

  async presence(ctx) {
    const [room] = need(ctx.args, ['room']);
    const api = await ctx.api();
    if (ctx.values.stats) {
      const stats = await api.presenceStats(room);
      ctx.out(`${room}: ${stats.connections} connection(s), ${stats.users} user(s)`, { room, ...stats });
    } else {
      const list = await api.presence(room);
      ctx.out(members(list), { room, members: list });
    }
    return EXIT.ok;
  },

  async history(ctx) {
    const [room] = need(ctx.args, ['room']);
    const since = ctx.values.since !== undefined ? position(ctx.values.since) : undefined;
    const result = await (await ctx.api()).history({
      room,
      ...(since ? { since } : {}),
      ...(ctx.values.limit !== undefined ? { limit: positiveInt(ctx.values.limit, '--limit') } : {}),
      ...(ctx.values.reverse ? { reverse: true } : {}),
    });
    ctx.out(`${room} at offset ${result.offset} (epoch ${result.epoch})\n${historyLines(result.messages)}`, {
      room,
      ...result,
    });
    return EXIT.ok;
  },

  async disconnect(ctx) {
    const { user, conn } = ctx.values;
    if (!user && !conn) throw new UsageError('disconnect needs --user or --conn');
    const code = ctx.values.code !== undefined ? positiveInt(ctx.values.code, '--code') : undefined;
    await (await ctx.api()).disconnect({
      ...(user ? { user } : {}),
      ...(conn ? { conn } : {}),
      ...(code !== undefined ? { code } : {}),
      ...(ctx.values.reason ? { reason: ctx.values.reason } : {}),
    });
    const what = conn ? `connection ${conn}` : `every connection of ${user}`;
    ctx.out(`disconnect sent to ${what}`, { ok: true, ...(user ? { user } : {}), ...(conn ? { conn } : {}) });
    return EXIT.ok;
  },

  async revoke(ctx) {
    const { jti, user } = ctx.values;
    if ((jti === undefined) === (user === undefined))
      throw new UsageError('revoke needs --jti or --user (one)');
    if (jti !== undefined) {
      if (ctx.values.before !== undefined) throw new UsageError('--before goes with --user');
      const until = ctx.values.until !== undefined ? time(ctx.values.until, '--until') : undefined;
      const result = await (await ctx.api()).revokeToken({ jti, ...(until !== undefined ? { until } : {}) });
      ctx.out(`token ${jti} revoked until ${new Date(result.until).toISOString()}`, {
        ok: true,
        jti,
        ...result,
      });
      return EXIT.ok;
    }
    if (ctx.values.until !== undefined) throw new UsageError('--until goes with --jti');
    const before = ctx.values.before !== undefined ? time(ctx.values.before, '--before') : undefined;
    const result = await (await ctx.api()).revokeUser({
      user: user!,
      ...(before !== undefined ? { issuedBefore: before } : {}),
    });
    ctx.out(`tokens of ${user} issued before ${new Date(result.issuedBefore).toISOString()} revoked`, {
      ok: true,
      user,
      ...result,
    });
    return EXIT.ok;
  },

  async subscribe(ctx) {
    const [user, room] = need(ctx.args, ['user', 'room']);
    await (await ctx.api()).subscribe({ user, room });
    ctx.out(`subscribed ${user}'s connections to ${room}`, { ok: true, user, room });
    return EXIT.ok;
  },

  async unsubscribe(ctx) {
    const [user, room] = need(ctx.args, ['user', 'room']);
    await (await ctx.api()).unsubscribe({ user, room });
    ctx.out(`unsubscribed ${user}'s connections from ${room}`, { ok: true, user, room });
    return EXIT.ok;
  },

  async rooms(ctx) {
    const api = await ctx.api();
    const limit = ctx.values.limit !== undefined ? positiveInt(ctx.values.limit, '--limit') : undefined;
    if (ctx.values.all) {
      const rooms = [];
      for await (const room of api.allRooms(limit ? { pageSize: limit } : {})) rooms.push(room);
      ctx.out(roomsTable(rooms), { rooms });
      return EXIT.ok;
    }
    const page = await api.rooms({
      ...(ctx.values.cursor ? { cursor: ctx.values.cursor } : {}),
      ...(limit ? { limit } : {}),
    });
    const more = page.nextCursor ? `\nmore: switchboard rooms --cursor '${page.nextCursor}'` : '';
    ctx.out(`${roomsTable(page.rooms)}${more}`, page);
    return EXIT.ok;
  },

  async info(ctx) {
    const info = await (await ctx.api()).info();
    ctx.out(infoTable(info), info);
    return EXIT.ok;
  },

  async health(ctx) {
    const api = await ctx.api();
    if (!(api instanceof GrpcServerClient)) throw new UsageError('health needs gRPC (drop --nats)');
    const status = await api.health();
    ctx.out(`${ctx.grpcTarget}: ${status}`, { status });
    return status === 'SERVING' ? EXIT.ok : EXIT.unreachable;
  },

  tail,
};

/** Joins a room over WebSocket and prints every message (and presence change) as it arrives. */
async function tail(ctx: Ctx): Promise<number> {
  const [room] = need(ctx.args, ['room']);
  const { values, json } = ctx;
  const url = values.url ?? defaultWsUrl(process.env);
  const limit = values.count !== undefined ? positiveInt(values.count, '--count') : undefined;
  const token =
    values.token ??
    env('SWITCHBOARD_TOKEN') ??
    mintToken(secret(values), { user: values.user ?? 'cli', join: [room], publish: [] });
  const info = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };
  const print = (frame: object, human: string) => {
    process.stdout.write(json ? `${JSON.stringify(frame)}\n` : `${human}\n`);
  };

  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url);
    let received = 0;
    let closing = false;
    const finish = (code: number) => {
      closing = true;
      process.off('SIGINT', onSignal);
      ws.close(1000);
      resolve(code);
    };
    const onSignal = () => finish(EXIT.ok);
    process.on('SIGINT', onSignal);
    ws.on('open', () => ws.send(JSON.stringify({ op: 'connect', id: 1, token })));
    ws.on('error', (error) => {
      if (closing) return;
      closing = true;
      process.off('SIGINT', onSignal);
      reject(
        new CliFailure(`cannot reach the WebSocket server at ${url}: ${error.message}`, EXIT.unreachable),
      );
    });
    ws.on('close', (code, reason) => {
      if (closing) return;
      process.off('SIGINT', onSignal);
      reject(
        new CliFailure(`the server closed the connection: ${code} ${String(reason)}`.trim(), EXIT.refused, {
          closeCode: code,
        }),
      );
      closing = true;
    });
    ws.on('message', (raw) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(String(raw)) as Record<string, unknown>;
      } catch {
        return;
      }
      const error = frame['error'] as { code: number; message: string } | undefined;
      if (frame['id'] === 1) {
        if (error) {
          closing = true;
          ws.close();
          reject(
            new CliFailure(`the token was refused: ${error.message} (${error.code})`, EXIT.unauthenticated),
          );
          return;
        }
        ws.send(JSON.stringify({ op: 'join', id: 2, room }));
        return;
      }
      if (frame['id'] === 2) {
        if (error) {
          closing = true;
          ws.close();
          reject(new CliFailure(`cannot join ${room}: ${error.message} (${error.code})`, EXIT.refused));
          return;
        }
        const result = frame['result'] as { offset: number; epoch: string };
        info(
          `joined ${room} at offset ${result.offset} (epoch ${result.epoch}); waiting for messages, Ctrl-C to stop`,
        );
        return;
      }
      if (frame['t'] === 'msg') {
        const m = frame as unknown as MessagePush;
        print(m, `[${m.room} #${m.offset}] ${m.from.user} ${m.event} ${JSON.stringify(m.data)}`);
        received++;
        if (limit !== undefined && received >= limit) finish(EXIT.ok);
      } else if (frame['t'] === 'presence') {
        const p = frame as unknown as PresencePush;
        const who = (list: PresencePush['joins']) => (list ?? []).map((x) => x.user).join(', ');
        if (json) print(p, '');
        else {
          if (p.joins?.length) info(`+ ${who(p.joins)} joined ${p.room}`);
          if (p.leaves?.length) info(`- ${who(p.leaves)} left ${p.room}`);
        }
      } else if (frame['t'] === 'disconnect') {
        info(`server: disconnect ${String(frame['code'])} ${String(frame['reason'])}`);
      }
    });
  });
}

// ---- helpers -------------------------------------------------------------------------------

/** The positional arguments: the required ones (checked present), then an optional third. */
function need(args: string[], names: string[], max = names.length): [string, string, string | undefined] {
  if (args.length < names.length) {
    throw new UsageError(
      `missing ${names
        .slice(args.length)
        .map((n) => `<${n}>`)
        .join(' ')}`,
    );
  }
  if (args.length > max) throw new UsageError(`unexpected argument "${args[max]}"`);
  return [args[0] ?? '', args[1] ?? '', args[2]];
}

function jsonArg(text: string | undefined): JsonValue {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new UsageError(`data must be JSON, e.g. '{"text":"hi"}' or '"a string"' (got ${text})`);
  }
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0)
    throw new UsageError(`${flag} must be a positive whole number`);
  return Number(text);
}

/** A moment: ms since epoch, or an ISO 8601 date. */
function time(text: string, flag: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be ms since epoch or an ISO date`);
  return ms;
}

function position(text: string): { offset: number; epoch: string } {
  const match = /^(\d+):(.+)$/.exec(text);
  if (!match) throw new UsageError('--since must be <offset>:<epoch>, e.g. 12:k3j4h5');
  return { offset: Number(match[1]), epoch: match[2]! };
}

function split(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function secret(values: Values): string {
  return values.secret ?? env('SWITCHBOARD_JWT_SECRET') ?? split(env('SB_JWT_SECRETS'))[0] ?? DEV_JWT_SECRET;
}

function tlsOptions(values: Values): { tls?: true | { ca?: Buffer; cert?: Buffer; key?: Buffer } } {
  const { ca, cert } = values;
  const key = values['key-file'];
  if (ca === undefined && cert === undefined && key === undefined) return values.tls ? { tls: true } : {};
  const read = (file: string, flag: string) => {
    try {
      return readFileSyncOrThrow(file);
    } catch (error) {
      throw new UsageError(
        `${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  return {
    tls: {
      ...(ca ? { ca: read(ca, '--ca') } : {}),
      ...(cert ? { cert: read(cert, '--cert') } : {}),
      ...(key ? { key: read(key, '--key-file') } : {}),
    },
  };
}

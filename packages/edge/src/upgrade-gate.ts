import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuthClient, Identity } from '@switchboard/auth';
import { ErrorCode, errorName, SUBPROTOCOL } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import { WebSocketServer } from 'ws';
import { type ClientLimitRules, ClientLimits, type ClientTicket } from './client-limits.js';
import { EdgeSocket } from './connection.js';
import { errorBody } from './frames.js';
import type { EdgeMetrics } from './metrics.js';
import { destroyOnError } from './socket-handlers.js';

export interface UpgradeRules {
  /** `*` allows any Origin. Requests without an Origin (non-browser clients) are always allowed. */
  allowedOrigins: readonly string[];
  maxConnections: number;
  /** Per client IP limits (off when absent). */
  perClient?: ClientLimitRules;
}

/** What the gate needs to know about the edge at the moment a request comes in. */
export interface EdgeLoad {
  draining: boolean;
  /** Open connections; upgrades still verifying a token are counted by the gate. */
  connections: number;
}

export interface UpgradeRefusal {
  status: 401 | 403 | 503;
  /** The metric label: `rejected_<result>`. */
  result: string;
  message: string;
}

/** Why an upgrade cannot be taken now, if it cannot: draining, full, or a foreign Origin. */
export function upgradeRefusal(
  origin: string | undefined,
  load: EdgeLoad & { pendingUpgrades: number },
  rules: UpgradeRules,
): UpgradeRefusal | undefined {
  if (load.draining)
    return { status: 503, result: 'draining', message: 'server is shutting down; reconnect' };
  if (load.connections + load.pendingUpgrades >= rules.maxConnections) {
    return { status: 503, result: 'full', message: 'connection limit reached; retry later' };
  }
  const origins = rules.allowedOrigins;
  if (origin !== undefined && !origins.includes('*') && !origins.includes(origin)) {
    return { status: 403, result: 'origin', message: 'origin not allowed' };
  }
  return undefined;
}

export type BearerToken = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

/** The token of an `Authorization` header, which must read `Bearer <token>` when present. */
export function bearerToken(authorization: string | undefined): BearerToken {
  if (authorization === undefined) return { kind: 'none' };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  return match ? { kind: 'token', token: match[1]! } : { kind: 'malformed' };
}

/** The HTTP response that refuses an upgrade: status, JSON error body, Retry-After when temporary. */
export function refusalResponse(
  status: number,
  message: string,
  code?: number,
  retryAfterS?: number,
): string {
  const defaultCode =
    status === 503 ? ErrorCode.Unavailable : status === 429 ? ErrorCode.RateLimited : ErrorCode.Forbidden;
  const body = JSON.stringify({ error: { code: code ?? defaultCode, message } });
  const reason =
    { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ??
    'Error';
  const retryAfter = retryAfterS ?? (status === 503 ? 5 : undefined);
  return (
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
    `${retryAfter !== undefined ? `Retry-After: ${retryAfter}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** The body of the 426 a plain HTTP request on the WebSocket port gets. */
export const UPGRADE_REQUIRED_BODY =
  '{"error":{"code":1000,"message":"this port speaks WebSocket only: send an Upgrade request"}}';

export interface UpgradeGateDeps {
  auth: AuthClient;
  metrics: EdgeMetrics;
  log: Logger;
  rules: UpgradeRules;
  maxFrameBytes: number;
  load(): EdgeLoad;
  /** A completed upgrade; `identity` when the request carried a valid bearer token. */
  accept(ws: EdgeSocket, raw: Duplex, identity: Identity | undefined, client: ClientTicket | undefined): void;
}

/**
 * HTTP upgrade requests: refuses them while draining, when full, or from a foreign Origin;
 * verifies a bearer token when the request carries one; completes the WebSocket handshake.
 */
export class UpgradeGate {
  readonly #deps: UpgradeGateDeps;
  readonly #wss: WebSocketServer;
  readonly #clients: ClientLimits | undefined;
  /** Upgrades waiting for their token's verification: they count against the connection limit. */
  #pendingUpgrades = 0;

  constructor(deps: UpgradeGateDeps) {
    this.#deps = deps;
    this.#clients = deps.rules.perClient ? new ClientLimits(deps.rules.perClient) : undefined;
    this.#wss = new WebSocketServer({
      noServer: true,
      WebSocket: EdgeSocket,
      // Frames up to 4× the limit are read and answered with error 1005; beyond that ws closes with 1009.
      maxPayload: deps.maxFrameBytes * 4,
      // Compression would cost a deflate per socket per message: the opposite of one serialization for all.
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A shared handler: a closure here would keep `req` and `head` alive as long as the socket.
    socket.on('error', destroyOnError);
    const load = { ...this.#deps.load(), pendingUpgrades: this.#pendingUpgrades };
    const refusal = upgradeRefusal(req.headers.origin, load, this.#deps.rules);
    if (refusal) {
      this.#refuse(socket, refusal.status, refusal.result, refusal.message);
      return;
    }
    const bearer = bearerToken(req.headers.authorization);
    if (bearer.kind === 'malformed') {
      this.#refuse(socket, 401, 'auth', 'Authorization must be "Bearer <token>"');
      return;
    }
    let client: ClientTicket | undefined;
    if (this.#clients) {
      const ip = this.#clients.clientIp(req);
      // A bearer upgrade is verified before it completes: it never sits unauthenticated.
      const authenticated = bearer.kind === 'token';
      const limited = this.#clients.refusal(ip, authenticated, Date.now());
      if (limited) {
        this.#refuse(socket, limited.status, limited.result, limited.message, undefined, limited.retryAfterS);
        return;
      }
      client = this.#clients.track(ip, socket, authenticated);
    }
    if (bearer.kind === 'none') {
      this.#complete(req, socket, head, undefined, client);
      return;
    }
    this.#upgradeWithToken(req, socket, head, bearer.token, client);
  }

  /** Stops the WebSocket server (open sockets are closed by the edge). */
  close(): void {
    this.#wss.close();
  }

  #upgradeWithToken(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    token: string,
    client: ClientTicket | undefined,
  ): void {
    this.#pendingUpgrades++;
    this.#deps.auth.verify(token).then(
      (identity) => {
        this.#pendingUpgrades--;
        this.#complete(req, socket, head, identity, client);
      },
      (error: unknown) => {
        this.#pendingUpgrades--;
        const body = errorBody(error, this.#deps.log);
        this.#deps.metrics.authFailures.inc({ reason: errorName(body.code) });
        this.#refuse(socket, body.code >= 2000 ? 503 : 401, 'auth', body.message, body.code);
      },
    );
  }

  #complete(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    identity: Identity | undefined,
    client: ClientTicket | undefined,
  ): void {
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#deps.metrics.upgrades.inc({ result: 'accepted' });
      this.#deps.accept(ws as EdgeSocket, socket, identity, client);
    });
  }

  #refuse(
    socket: Duplex,
    status: number,
    result: string,
    message: string,
    code?: number,
    retryAfterS?: number,
  ): void {
    this.#deps.log.debug({ status, result, code, reason: message }, 'upgrade refused');
    this.#deps.metrics.upgrades.inc({ result: `rejected_${result}` });
    socket.end(refusalResponse(status, message, code, retryAfterS));
  }
}

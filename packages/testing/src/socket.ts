import type { ErrorBody, Op, ResultByOp, ServerPush } from '@switchboard/protocol';
import WebSocket from 'ws';

type AnyReply = { id?: number; result?: unknown; error?: ErrorBody };
export type ReplyTo<O extends Op> = { id?: number; result?: ResultByOp[O]; error?: ErrorBody };
type PushOf<T extends ServerPush['t']> = Extract<ServerPush, { t: T }>;

/** A raw WebSocket client for end-to-end tests: it speaks the protocol by hand, frame by frame. */
export interface TestSocket {
  readonly ws: WebSocket;
  /** Every frame received, in order (replies and pushes). */
  readonly received: ReadonlyArray<AnyReply | ServerPush>;
  /** Sends an object as JSON, or a string as is. */
  send(frame: object | string): void;
  /** Sends a command with a fresh id and resolves its reply (result or error). */
  request<O extends Op>(
    command: { op: O } & Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<ReplyTo<O>>;
  /** Like request, but throws on an error reply. */
  call<O extends Op>(command: { op: O } & Record<string, unknown>): Promise<ResultByOp[O]>;
  /** Resolves the next push of kind `t` (not yet consumed) that matches `match`. */
  push<T extends ServerPush['t']>(
    t: T,
    match?: (frame: PushOf<T>) => boolean,
    timeoutMs?: number,
  ): Promise<PushOf<T>>;
  /** Pushes of kind `t` received so far. */
  pushes<T extends ServerPush['t']>(t: T): PushOf<T>[];
  /** Resolves the next reply without an id (for frames sent with `send`). */
  anonymousReply(timeoutMs?: number): Promise<AnyReply>;
  /** Resolves when the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
  close(code?: number): void;
}

export interface OpenOptions {
  headers?: Record<string, string>;
  protocols?: string[];
}

/** Opens a socket; rejects with the HTTP status (e.g. "HTTP 401") when the upgrade is refused. */
export async function openSocket(url: string, options: OpenOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  const received: Array<AnyReply | ServerPush> = [];
  const consumed = new Set<object>();
  const waiters = new Set<() => void>();
  let nextId = 1;
  ws.on('message', (data) => {
    received.push(JSON.parse(String(data)) as AnyReply | ServerPush);
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += String(chunk);
      });
      res.on('end', () =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
      );
    });
    ws.once('error', reject);
  });
  ws.on('error', () => {});

  function waitFor<F>(find: () => F | undefined, what: string, timeoutMs: number): Promise<F> {
    return new Promise<F>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`socket closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  const socket: TestSocket = {
    ws,
    received,
    closed,
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    request(command, timeoutMs = 5000) {
      const id = nextId++;
      ws.send(JSON.stringify({ ...command, id }));
      return waitFor(
        () => received.find((f): f is AnyReply => !('t' in f) && (f as AnyReply).id === id),
        `reply ${id} to ${command.op}`,
        timeoutMs,
      ) as Promise<ReplyTo<typeof command.op>>;
    },
    async call(command) {
      const reply = await socket.request(command);
      if (reply.error) throw new Error(`${command.op} failed: ${reply.error.code} ${reply.error.message}`);
      return reply.result as ResultByOp[typeof command.op];
    },
    push(t, match, timeoutMs = 5000) {
      return waitFor(
        () => {
          const found = received.find(
            (f) => 't' in f && f.t === t && !consumed.has(f) && (!match || match(f as PushOf<typeof t>)),
          );
          if (found) consumed.add(found);
          return found as PushOf<typeof t> | undefined;
        },
        `push ${t}`,
        timeoutMs,
      );
    },
    pushes(t) {
      return received.filter((f) => 't' in f && f.t === t) as PushOf<typeof t>[];
    },
    anonymousReply(timeoutMs = 5000) {
      return waitFor(
        () => {
          const found = received.find(
            (f) => !('t' in f) && (f as AnyReply).id === undefined && !consumed.has(f),
          );
          if (found) consumed.add(found);
          return found as AnyReply | undefined;
        },
        'reply without id',
        timeoutMs,
      );
    },
    isOpen: () => ws.readyState === WebSocket.OPEN,
    close(code = 1000) {
      ws.close(code);
    },
  };
  return socket;
}

/** Opens a socket and authenticates it with `token`. */
export async function connectSocket(url: string, token: string): Promise<TestSocket> {
  const socket = await openSocket(url);
  await socket.call({ op: 'connect', token });
  return socket;
}

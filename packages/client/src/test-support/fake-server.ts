import type {
  ConnectResult,
  ErrorBody,
  JsonValue,
  MessagePush,
  PresenceMember,
  ServerFrame,
} from '@switchboard/protocol';
import type { WebSocketConstructor, WebSocketLike } from '../transport.js';

/**
 * An in-memory stand-in for a Switchboard edge, for unit tests of the client's state machine,
 * queue and recovery logic. It speaks the protocol's JSON frames through a fake WebSocket
 * class; the real server is exercised by the integration tests.
 */

type Command = { op: string; id?: number } & Record<string, unknown>;

interface Room {
  epoch: string;
  offset: number;
  log: MessagePush[];
  keys: Map<string, number>;
}

export interface FakeServerOptions {
  ping?: number;
  /** History kept per room (older messages make a rejoin `recovered: false`). */
  historySize?: number;
  /** The publish rate and burst advertised in the connect result. */
  pace?: { rate: number; burst: number };
}

export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  readonly rooms = new Map<string, Room>();
  /** How a new socket behaves: open normally, fail like a refused TCP connect, or never open. */
  connectMode: 'open' | 'refuse' | 'hang' = 'open';
  /** Replaces the connect result with this error (then closes with `closeAfterError`). */
  connectError: ErrorBody | undefined;
  closeAfterError = 4500;
  /** Replies to commands with these ops never come. */
  readonly silentOps = new Set<string>();
  /** When set, publishes get this error reply instead of being applied. */
  publishError: ErrorBody | undefined;
  expiresAt: number | undefined;
  readonly tokens: string[] = [];
  readonly options: Required<FakeServerOptions>;
  #conn = 0;
  #epoch = 0;

  constructor(options: FakeServerOptions = {}) {
    this.options = { ping: 0, historySize: 100, pace: { rate: 1000, burst: 1000 }, ...options };
  }

  /** The constructor to pass as the client's `WebSocket` option. */
  get WebSocket(): WebSocketConstructor {
    const server = this;
    return class extends FakeSocket {
      constructor(url: string) {
        super(server, url);
      }
    };
  }

  /** Sockets not yet closed. */
  get open(): FakeSocket[] {
    return this.sockets.filter((s) => s.readyState === 1 || s.readyState === 0);
  }

  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket yet');
    return socket;
  }

  room(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) {
      room = { epoch: `e${++this.#epoch}`, offset: 0, log: [], keys: new Map() };
      this.rooms.set(name, room);
    }
    return room;
  }

  /** Appends a message as if another client published it; pushes it to joined sockets. */
  append(
    roomName: string,
    event: string,
    data: JsonValue,
    options: { key?: string; push?: boolean } = {},
  ): MessagePush {
    const room = this.room(roomName);
    if (options.key !== undefined) {
      const seen = room.keys.get(options.key);
      if (seen !== undefined) return { ...(room.log.find((m) => m.offset === seen) as MessagePush) };
    }
    room.offset += 1;
    const message: MessagePush = {
      t: 'msg',
      room: roomName,
      offset: room.offset,
      epoch: room.epoch,
      event,
      data,
      from: { user: 'other', conn: 'c0' },
      ts: Date.now(),
    };
    room.log.push(message);
    if (room.log.length > this.options.historySize) room.log.shift();
    if (options.key !== undefined) room.keys.set(options.key, room.offset);
    if (options.push !== false) {
      for (const socket of this.open) if (socket.joined.has(roomName)) socket.push(message);
    }
    return message;
  }

  /** Forgets a room's stream, as a server that lost its history would: offsets restart. */
  resetRoom(name: string): void {
    this.rooms.delete(name);
  }

  handle(socket: FakeSocket, command: Command): void {
    if (this.silentOps.has(command.op)) return;
    const reply = (result: unknown) => socket.push({ id: command.id, result } as ServerFrame);
    const fail = (error: ErrorBody) => socket.push({ id: command.id, error } as ServerFrame);
    switch (command.op) {
      case 'connect': {
        this.tokens.push(String(command['token']));
        if (this.connectError) {
          fail(this.connectError);
          socket.serverClose(this.closeAfterError, 'connect failed');
          return;
        }
        socket.authed = true;
        const result: ConnectResult = {
          conn: `c${++this.#conn}`,
          user: 'u',
          ping: this.options.ping,
          limits: { maxFrameBytes: 65536, maxRooms: 128, ...this.options.pace },
          node: 'fake',
          version: 1,
          ...(this.expiresAt !== undefined ? { expiresAt: this.expiresAt } : {}),
        };
        socket.conn = result.conn;
        reply(result);
        return;
      }
      case 'join': {
        const name = String(command['room']);
        const room = this.room(name);
        socket.joined.add(name);
        const since = command['since'] as { offset: number; epoch: string } | undefined;
        if (!since) {
          reply({ room: name, offset: room.offset, epoch: room.epoch });
          return;
        }
        const oldest = room.log[0]?.offset ?? room.offset + 1;
        const recovered = since.epoch === room.epoch && since.offset + 1 >= oldest;
        reply({
          room: name,
          offset: room.offset,
          epoch: room.epoch,
          recovered,
          ...(recovered ? { messages: room.log.filter((m) => m.offset > since.offset) } : {}),
        });
        return;
      }
      case 'leave':
        socket.joined.delete(String(command['room']));
        reply({});
        return;
      case 'publish': {
        if (this.publishError) {
          fail(this.publishError);
          return;
        }
        const name = String(command['room']);
        const key = command['key'] as string | undefined;
        const room = this.room(name);
        const duplicate = key !== undefined && room.keys.has(key);
        const message = this.append(name, String(command['event']), command['data'] as JsonValue, {
          ...(key !== undefined ? { key } : {}),
        });
        reply({ offset: message.offset, epoch: message.epoch, ...(duplicate ? { duplicate: true } : {}) });
        return;
      }
      case 'history': {
        const room = this.room(String(command['room']));
        const since = command['since'] as { offset: number } | undefined;
        const limit = (command['limit'] as number | undefined) ?? 100;
        const messages = room.log.filter((m) => m.offset > (since?.offset ?? 0)).slice(0, limit);
        reply({ offset: room.offset, epoch: room.epoch, messages });
        return;
      }
      case 'presence': {
        const name = String(command['room']);
        const members: PresenceMember[] = this.open
          .filter((s) => s.joined.has(name) && s.conn)
          .map((s) => ({ user: 'u', conn: s.conn as string }));
        reply({ members });
        return;
      }
      case 'refresh':
        this.tokens.push(String(command['token']));
        reply(this.expiresAt !== undefined ? { expiresAt: this.expiresAt } : {});
        return;
      default:
        fail({ code: 1001, message: 'unknown op' });
    }
  }
}

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: never) => void) | null = null;
  onclose: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;
  readonly sent: Command[] = [];
  readonly joined = new Set<string>();
  authed = false;
  dead = false;
  conn: string | undefined;
  closedByClient: { code?: number; reason?: string } | undefined;
  readonly #server: FakeServer;

  constructor(
    server: FakeServer,
    readonly url: string,
  ) {
    this.#server = server;
    server.sockets.push(this);
    const mode = server.connectMode;
    setTimeout(() => {
      if (this.readyState !== 0) return;
      if (mode === 'open') {
        this.readyState = 1;
        this.#fire('onopen', {});
      } else if (mode === 'refuse') {
        this.readyState = 3;
        this.#fire('onerror', { message: 'connect ECONNREFUSED' });
        this.#fire('onclose', { code: 1006, reason: '' });
      }
    }, 0);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    if (this.dead) return;
    const command = JSON.parse(data) as Command;
    this.sent.push(command);
    // Asynchronous like a real network, so the client never sees a reply inside send().
    setTimeout(() => {
      if (this.readyState === 1) this.#server.handle(this, command);
    }, 0);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedByClient = {
      ...(code !== undefined ? { code } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
    this.readyState = 2;
    if (this.dead) return;
    setTimeout(() => {
      this.readyState = 3;
      this.#fire('onclose', { code: code ?? 1005, reason: reason ?? '' });
    }, 0);
  }

  /** A frame from the server. */
  push(frame: ServerFrame | Record<string, unknown>): void {
    if (this.readyState !== 1 || this.dead) return;
    this.#fire('onmessage', { data: JSON.stringify(frame) });
  }

  /** The server closes the connection with a close frame. */
  serverClose(code: number, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    setTimeout(() => this.#fire('onclose', { code, reason }), 0);
  }

  /** The link dies without a close frame, as a cut cable would (the client sees 1006 at once). */
  drop(): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.#fire('onclose', { code: 1006, reason: '' });
  }

  /** The link goes silent: frames vanish both ways and no close event comes (only heartbeats notice). */
  blackhole(): void {
    this.dead = true;
  }

  commands(op: string): Command[] {
    return this.sent.filter((c) => c.op === op);
  }

  #fire(handler: 'onopen' | 'onmessage' | 'onclose' | 'onerror', event: object): void {
    const fn = this[handler] as ((event: object) => void) | null;
    fn?.(event);
  }
}

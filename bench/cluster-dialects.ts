/**
 * The three wire protocols the cluster benchmark speaks with its lean client (`RawMember`):
 * Switchboard's, Centrifugo's JSON protocol and Socket.IO's (Engine.IO 4 over WebSocket). Each
 * dialect opens an authenticated member joined to a room, builds publish frames and answers
 * application-level pings. A delivery is recognised the same way for all three: the published
 * data is `{"ts0":<send time>}`, so every `"ts0":` in a frame is one delivery.
 */
import { SUBPROTOCOL } from '@switchboard/protocol';
import { RawMember } from './lib.js';

/** `ws`: a bare ws server, the floor of the connect workload (it speaks Switchboard's dialect). */
export type SystemName = 'switchboard' | 'centrifugo' | 'socketio' | 'ws';

/** `small`: rooms that push joins and leaves to their members; `big`: the fan-out room, none. */
export type RoomKind = 'small' | 'big';

export interface Dialect {
  /**
   * Opens a connection to `url` authenticated with `token` and joined to `room`; without a room,
   * resolves once the system has accepted the token (the authenticated-connect workload).
   */
  member(url: string, token: string, room?: string): Promise<RawMember>;
  /** A publish command; `seq` is its command id. */
  publish(room: string, sentAt: number, seq: number): string;
  /** Answers frames that need an answer (app-level pings); true when `text` was one. */
  control(member: RawMember, text: string): boolean;
  /** The system's name for a benchmark room (Centrifugo needs a namespace prefix). */
  room(name: string, kind: RoomKind): string;
}

export const DELIVERY_KEY = '"ts0":';

/** Calls `each(sentAt)` for every delivery in `text`. */
export function forEachDelivery(text: string, each: (sentAt: number) => void): void {
  for (let at = text.indexOf(DELIVERY_KEY); at >= 0; at = text.indexOf(DELIVERY_KEY, at + 1)) {
    each(Number.parseFloat(text.slice(at + DELIVERY_KEY.length, at + DELIVERY_KEY.length + 24)));
  }
}

/** How long one connection's set-up (connect + join) may take before the run gives up on it. */
const SET_UP_TIMEOUT_MS = 60_000;

/**
 * Resolves once a frame satisfies `done`; rejects when `failed` returns a reason, the socket
 * closes, or nothing satisfying arrives within SET_UP_TIMEOUT_MS.
 */
function untilFrame(
  member: RawMember,
  dialect: Dialect,
  done: (text: string) => boolean,
  failed: (text: string) => string | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      member.socket.off('close', onClose);
      if (error) reject(error);
      else {
        member.onText = (t) => void dialect.control(member, t);
        resolve();
      }
    };
    const onClose = () => finish(new Error(`closed during set-up: ${member.closeInfo}`));
    const timer = setTimeout(() => finish(new Error('no reply during set-up')), SET_UP_TIMEOUT_MS);
    member.socket.once('close', onClose);
    member.onText = (text) => {
      if (dialect.control(member, text)) return;
      const reason = failed(text);
      if (reason !== undefined) finish(new Error(reason));
      else if (done(text)) finish();
    };
  });
}

/** Switchboard: the JWT rides on the upgrade (`Authorization: Bearer`), then one `join`. */
export const switchboard: Dialect = {
  async member(url, token, room) {
    // The token is verified before the 101: an open socket is an authenticated connection.
    const member = await RawMember.open(url, SUBPROTOCOL, `Authorization: Bearer ${token}\r\n`);
    if (room === undefined) return member;
    const joined = untilFrame(
      member,
      switchboard,
      (text) => text.startsWith('{"id":1,'),
      (text) => (text.startsWith('{"id":1,') && text.includes('"error"') ? `join: ${text}` : undefined),
    );
    member.send(`{"op":"join","id":1,"room":${JSON.stringify(room)}}`);
    await joined;
    return member;
  },
  publish: (room, sentAt, seq) =>
    `{"op":"publish","id":${seq},"room":${JSON.stringify(room)},"event":"m","data":{"ts0":${sentAt}}}`,
  control: () => false,
  room: (name) => name,
};

/** Centrifugo: `connect` with the JWT and `subscribe`, pipelined; replies may share a frame (newline-separated). */
export const centrifugo: Dialect = {
  async member(url, token, room) {
    const member = await RawMember.open(`${url}/connection/websocket`, '');
    // Without a room: only `connect`, done at its reply; with one: the reply to `subscribe`.
    const last = room === undefined ? '{"id":1,' : '{"id":2,';
    const ready = untilFrame(
      member,
      centrifugo,
      (text) => text.split('\n').some((line) => line.startsWith(last)),
      (text) => {
        const bad = text.split('\n').find((line) => line.startsWith('{"id":') && line.includes('"error"'));
        return bad === undefined ? undefined : `connect/subscribe: ${bad}`;
      },
    );
    member.send(`{"id":1,"connect":{"token":${JSON.stringify(token)}}}`);
    if (room !== undefined) member.send(`{"id":2,"subscribe":{"channel":${JSON.stringify(room)}}}`);
    await ready;
    return member;
  },
  publish: (room, sentAt, seq) =>
    `{"id":${seq},"publish":{"channel":${JSON.stringify(room)},"data":{"ts0":${sentAt}}}}`,
  // The server's ping is an empty command, `{}`; the client answers with `{}`.
  control(member, text) {
    if (text !== '{}') return false;
    member.send('{}');
    return true;
  },
  room: (name, kind) => `${kind === 'big' ? 'big' : 'chat'}:${name}`,
};

/**
 * Socket.IO over its WebSocket transport: `40{"token"}` (namespace connect with auth), then an
 * acknowledged `join` event. Engine.IO pings are `2`, answered with `3`.
 */
export const socketio: Dialect = {
  async member(url, token, room) {
    const member = await RawMember.open(`${url}/socket.io/?EIO=4&transport=websocket`, '');
    const connected = untilFrame(
      member,
      socketio,
      (text) => text.startsWith('40'),
      (text) => (text.startsWith('44') ? `connect: ${text}` : undefined),
    );
    member.send(`40${JSON.stringify({ token })}`);
    await connected;
    if (room === undefined) return member;
    const joined = untilFrame(
      member,
      socketio,
      (text) => text.startsWith('431['),
      () => undefined,
    );
    member.send(`421["join",${JSON.stringify(room)}]`);
    await joined;
    return member;
  },
  publish: (room, sentAt, seq) => `42${seq}["publish",${JSON.stringify(room)},{"ts0":${sentAt}}]`,
  control(member, text) {
    if (text !== '2') return false;
    member.send('3');
    return true;
  },
  room: (name) => name,
};

export const DIALECTS: Record<SystemName, Dialect> = { switchboard, centrifugo, socketio, ws: switchboard };

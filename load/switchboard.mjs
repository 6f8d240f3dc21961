// Artillery processor for the Switchboard load scenarios (load/*.yml), used with Artillery's
// WebSocket engine (`engine: ws`): the engine opens the socket, these functions speak the
// protocol (docs/protocol.md) on it — they sign a token per virtual user, send commands with ids,
// match replies to them, and turn replies and pushes into Artillery metrics:
//
//   switchboard.connect_ms       TCP connect + upgrade + `connect` reply (token verified)
//   switchboard.join_ms          `join` round trip (with `since` when rejoining)
//   switchboard.publish_ms       `publish` round trip (accepted, offset assigned)
//   switchboard.presence_ms      `presence` round trip
//   switchboard.leave_ms         `leave` round trip
//   switchboard.reconnect_ms     new socket + connect + join with `since` (recovery)
//   switchboard.deliver_ms       publish → delivery, from the `ts` the publisher put in `data`
//                                (one clock: every virtual user runs on this machine)
//   counters: switchboard.messages_received, switchboard.presence_pushes,
//   switchboard.recovered, switchboard.not_recovered, switchboard.recovered_messages
//
// A command that fails (error reply, timeout, closed socket) fails the virtual user; Artillery
// counts it under errors.<message> and in vusers.failed, which the scenarios' `ensure` checks.
//
// Settings, each from --variables (name on the left) or else the environment:
//   url          SB_LOAD_URL        WebSocket URL (else the script's target)
//   secret       SB_LOAD_SECRET     HS256 secret to sign tokens with (required)
//   issuer       SB_LOAD_ISSUER     iss claim, when the deployment checks one
//   audience     SB_LOAD_AUDIENCE   aud claim, when the deployment checks one
//   auth         SB_LOAD_AUTH       `frame` (default: token in the connect command, as browsers)
//                                   or `header` (Authorization: Bearer on the upgrade)
//   roomPrefix   SB_LOAD_ROOM_PREFIX  room names start with this (default `load:`)
//   rooms        SB_LOAD_ROOMS      how many rooms the chat mix spreads over (default 50)
//   timeoutMs    SB_LOAD_TIMEOUT_MS  command timeout (default 10000)
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';

const SUBPROTOCOL = 'switchboard.v1.json';

/** --variables value, else the environment variable, else `fallback`. */
function setting(context, name, envName, fallback) {
  const fromVars = context.vars[name];
  if (fromVars !== undefined && fromVars !== '' && !String(fromVars).includes('{{')) return fromVars;
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return fallback;
}

function sign(context, user) {
  const secret = setting(context, 'secret', 'SB_LOAD_SECRET', undefined);
  if (!secret) throw new Error('no token secret: set SB_LOAD_SECRET or --variables {"secret":…}');
  const prefix = setting(context, 'roomPrefix', 'SB_LOAD_ROOM_PREFIX', 'load:');
  const issuer = setting(context, 'issuer', 'SB_LOAD_ISSUER', undefined);
  const audience = setting(context, 'audience', 'SB_LOAD_AUDIENCE', undefined);
  return jwt.sign({ sb: { join: [`${prefix}*`], publish: [`${prefix}*`], meta: { name: user } } }, secret, {
    algorithm: 'HS256',
    subject: user,
    expiresIn: 3600,
    jwtid: randomUUID(),
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
  });
}

/**
 * `connect: { function: prepare }`: picks the URL, signs this virtual user's token and, with
 * `auth: header`, puts it on the upgrade request.
 */
export function prepare(wsArgs, context, done) {
  try {
    const user = `load-${randomUUID().slice(0, 12)}`;
    const token = sign(context, user);
    wsArgs.target = setting(context, 'url', 'SB_LOAD_URL', wsArgs.target);
    wsArgs.subprotocols = [SUBPROTOCOL];
    if (setting(context, 'auth', 'SB_LOAD_AUTH', 'frame') === 'header') {
      wsArgs.options = { ...wsArgs.options, headers: { Authorization: `Bearer ${token}` } };
    }
    context.vars.user = user;
    context.vars.token = token;
    context.vars.openedAt = performance.now();
    done();
  } catch (error) {
    done(error);
  }
}

// ---- session: replies by id, pushes to metrics ------------------------------------------------

function attach(context, ee, ws) {
  const session = { ws, ee, nextId: 1, pending: new Map(), positions: context.vars.positions ?? new Map() };
  context.vars.positions = session.positions;
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (typeof frame.id === 'number' && ('result' in frame || 'error' in frame)) {
      const waiter = session.pending.get(frame.id);
      session.pending.delete(frame.id);
      waiter?.(frame);
      return;
    }
    if (frame.t === 'msg') {
      session.positions.set(frame.room, { offset: frame.offset, epoch: frame.epoch });
      ee.emit('counter', 'switchboard.messages_received', 1);
      const sentAt = frame.data?.ts;
      if (typeof sentAt === 'number') ee.emit('histogram', 'switchboard.deliver_ms', Date.now() - sentAt);
    } else if (frame.t === 'presence') {
      ee.emit('counter', 'switchboard.presence_pushes', 1);
    }
  });
  ws.on('close', () => {
    for (const waiter of session.pending.values()) waiter({ error: { code: 'closed' } });
    session.pending.clear();
  });
  // The engine reports a socket error itself; without a listener it would be thrown.
  ws.on('error', () => {});
  context.sb = session;
  return session;
}

function sessionOf(context, ee) {
  return context.sb?.ws === context.ws ? context.sb : attach(context, ee, context.ws);
}

/** Sends a command and resolves with its result; rejects on an error reply or timeout. */
function command(context, ee, body) {
  const session = sessionOf(context, ee);
  const id = session.nextId++;
  const timeoutMs = Number(setting(context, 'timeoutMs', 'SB_LOAD_TIMEOUT_MS', 10_000));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.pending.delete(id);
      reject(new Error(`switchboard ${body.op}: timeout`));
    }, timeoutMs);
    session.pending.set(id, (frame) => {
      clearTimeout(timer);
      if (frame.error) reject(new Error(`switchboard ${body.op}: error ${frame.error.code}`));
      else resolve(frame.result ?? {});
    });
    if (session.ws.readyState !== WebSocket.OPEN) {
      clearTimeout(timer);
      session.pending.delete(id);
      reject(new Error(`switchboard ${body.op}: socket not open`));
      return;
    }
    session.ws.send(JSON.stringify({ ...body, id }));
  });
}

async function timed(ee, metric, work) {
  const t0 = performance.now();
  const result = await work();
  ee.emit('histogram', metric, performance.now() - t0);
  return result;
}

function room(context) {
  if (context.vars.currentRoom) return context.vars.currentRoom;
  const prefix = setting(context, 'roomPrefix', 'SB_LOAD_ROOM_PREFIX', 'load:');
  const fixed = setting(context, 'room', 'SB_LOAD_ROOM', undefined);
  const rooms = Number(setting(context, 'rooms', 'SB_LOAD_ROOMS', 50));
  context.vars.currentRoom = fixed
    ? `${prefix}${fixed}`
    : `${prefix}room-${Math.floor(Math.random() * rooms)}`;
  return context.vars.currentRoom;
}

// ---- steps (`- function: <name>`) ---------------------------------------------------------------

/** Authenticates: `connect` with the token (or, with `auth: header`, without: returns the session). */
export async function connect(context, ee) {
  const header = setting(context, 'auth', 'SB_LOAD_AUTH', 'frame') === 'header';
  await command(context, ee, {
    op: 'connect',
    ...(header ? {} : { token: context.vars.token }),
    client: 'artillery',
  });
  ee.emit('histogram', 'switchboard.connect_ms', performance.now() - context.vars.openedAt);
}

/** Joins the virtual user's room; with a position seen before, asks for recovery with `since`. */
export async function join(context, ee) {
  const name = room(context);
  const since = context.vars.positions?.get(name);
  const result = await timed(ee, 'switchboard.join_ms', () =>
    command(context, ee, { op: 'join', room: name, ...(since ? { since } : {}) }),
  );
  if (since) recovery(context, ee, name, result);
  else if (typeof result.offset === 'number') sessionOf(context, ee).positions.set(name, result);
}

function recovery(context, ee, name, result) {
  if (result.recovered) {
    ee.emit('counter', 'switchboard.recovered', 1);
    const messages = Array.isArray(result.messages) ? result.messages : [];
    ee.emit('counter', 'switchboard.recovered_messages', messages.length);
    const last = messages.at(-1);
    sessionOf(context, ee).positions.set(name, last ? { offset: last.offset, epoch: last.epoch } : result);
  } else {
    ee.emit('counter', 'switchboard.not_recovered', 1);
  }
}

/** Publishes one small message carrying its send time (for switchboard.deliver_ms). */
export async function publish(context, ee) {
  const n = (context.vars.published ?? 0) + 1;
  context.vars.published = n;
  await timed(ee, 'switchboard.publish_ms', () =>
    command(context, ee, {
      op: 'publish',
      room: room(context),
      event: 'say',
      data: { ts: Date.now(), n, text: 'hello from artillery' },
    }),
  );
}

export async function presence(context, ee) {
  const result = await timed(ee, 'switchboard.presence_ms', () =>
    command(context, ee, { op: 'presence', room: room(context) }),
  );
  if (Array.isArray(result.members))
    ee.emit('histogram', 'switchboard.presence_members', result.members.length);
}

export async function leave(context, ee) {
  await timed(ee, 'switchboard.leave_ms', () => command(context, ee, { op: 'leave', room: room(context) }));
}

/**
 * Drops the socket and comes back as a client would after a network blip: a new socket, a new
 * token for the same user, connect, and join with `since` = the last message it saw.
 */
export async function reconnect(context, ee) {
  const name = room(context);
  const t0 = performance.now();
  context.ws.close();
  const token = sign(context, context.vars.user);
  const header = setting(context, 'auth', 'SB_LOAD_AUTH', 'frame') === 'header';
  const url = setting(context, 'url', 'SB_LOAD_URL', context.ws.url);
  const ws = new WebSocket(
    url,
    [SUBPROTOCOL],
    header ? { headers: { Authorization: `Bearer ${token}` } } : {},
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  context.ws = ws;
  attach(context, ee, ws);
  context.vars.token = token;
  await command(context, ee, { op: 'connect', ...(header ? {} : { token }), client: 'artillery' });
  const since = context.vars.positions.get(name);
  const result = await command(context, ee, { op: 'join', room: name, ...(since ? { since } : {}) });
  ee.emit('histogram', 'switchboard.reconnect_ms', performance.now() - t0);
  if (since) recovery(context, ee, name, result);
}

/**
 * Fan-out room: the first virtual user of each Artillery worker to get here publishes
 * `fanoutRate` messages per second for `hold` seconds; every other one listens for `hold`
 * seconds. Deliveries are measured by switchboard.deliver_ms.
 */
let publisherActive = false;
export async function fanout(context, ee) {
  const holdMs = Number(setting(context, 'hold', 'SB_LOAD_HOLD_S', 10)) * 1000;
  if (publisherActive) {
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    return;
  }
  publisherActive = true;
  try {
    const rate = Number(setting(context, 'fanoutRate', 'SB_LOAD_FANOUT_RATE', 5));
    const end = performance.now() + holdMs;
    while (performance.now() < end) {
      await publish(context, ee);
      await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
    }
  } finally {
    publisherActive = false;
  }
}

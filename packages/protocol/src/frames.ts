/** A JSON value as it travels in `data`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A point in a room's stream: the offset of the last message seen and the stream's epoch. */
export interface Position {
  offset: number;
  epoch: string;
}

// ---- client → server commands -------------------------------------------------------------

// Optional fields also admit `undefined`: commands are parsed with valibot's `optional`, and a
// consumer with `exactOptionalPropertyTypes` can pass what it holds as-is.
interface CommandBase {
  /** Correlates the reply. Any non-negative integer; replies echo it. */
  id?: number | undefined;
}
export interface ConnectCommand extends CommandBase {
  op: 'connect';
  /** JWT. May be omitted only when the upgrade request carried `Authorization: Bearer`. */
  token?: string | undefined;
  /** Free-form client name and version, for logs (`sb-js/0.1.0`). */
  client?: string | undefined;
}
export interface RefreshCommand extends CommandBase {
  op: 'refresh';
  token: string;
}
export interface JoinCommand extends CommandBase {
  op: 'join';
  room: string;
  /** Recover messages published after this position. */
  since?: Position | undefined;
}
export interface LeaveCommand extends CommandBase {
  op: 'leave';
  room: string;
}
export interface PublishCommand extends CommandBase {
  op: 'publish';
  room: string;
  event: string;
  data: JsonValue;
  /** Idempotency key: a retried publish with the same key is acknowledged, not repeated. */
  key?: string | undefined;
}
export interface PresenceCommand extends CommandBase {
  op: 'presence';
  room: string;
}
export interface HistoryCommand extends CommandBase {
  op: 'history';
  room: string;
  since?: Position | undefined;
  limit?: number | undefined;
  reverse?: boolean | undefined;
}
export interface PingCommand extends CommandBase {
  op: 'ping';
}

export type ClientCommand =
  | ConnectCommand
  | RefreshCommand
  | JoinCommand
  | LeaveCommand
  | PublishCommand
  | PresenceCommand
  | HistoryCommand
  | PingCommand;
export type Op = ClientCommand['op'];

// ---- server → client ----------------------------------------------------------------------

export interface ErrorBody {
  code: number;
  message: string;
  /** For rate limits: when a retry may succeed. */
  retryAfterMs?: number;
}

/** The reply to a command. Exactly one per command; `id` echoes the command's id when it had one. */
export type Reply<R = unknown> = { id?: number; result: R } | { id?: number; error: ErrorBody };

export interface Sender {
  user: string;
  conn: string;
}

/** A room message. `offset` strictly increases per room; `epoch` changes when history was lost. */
export interface MessagePush {
  t: 'msg';
  room: string;
  offset: number;
  epoch: string;
  event: string;
  data: JsonValue;
  from: Sender;
  /** Server time (ms since epoch) when the message was accepted. */
  ts: number;
}

export interface PresenceMember {
  user: string;
  conn: string;
  /** Public metadata from the token's `sb.meta` claim. */
  meta?: JsonObject;
}

export interface PresencePush {
  t: 'presence';
  room: string;
  joins?: PresenceMember[];
  leaves?: PresenceMember[];
}

/** Application-level heartbeat a browser can observe (browsers hide WebSocket pings). */
export interface PingPush {
  t: 'ping';
}

/** The token expires: send `refresh` before `deadline` (ms since epoch) or be closed with 4001. */
export interface RefreshPush {
  t: 'refresh';
  deadline: number;
}

/** Sent right before the server closes the connection. */
export interface DisconnectPush {
  t: 'disconnect';
  code: number;
  reason: string;
  reconnect: boolean;
}

/** The server joined this connection to a room (a backend subscribed the user): messages follow `offset`. */
export interface JoinedPush extends Position {
  t: 'joined';
  room: string;
}

/** The server removed this connection from a room (a backend unsubscribed the user). */
export interface LeftPush {
  t: 'left';
  room: string;
  code: number;
  reason: string;
}

/**
 * A notification to every connection of this user from an internal service. Not part of a
 * room's stream: no offset, not recovered after a disconnect — use a room for that.
 */
export interface UserPush {
  t: 'user';
  event: string;
  data: JsonValue;
  ts: number;
}

export type ServerPush =
  | MessagePush
  | PresencePush
  | PingPush
  | RefreshPush
  | DisconnectPush
  | JoinedPush
  | LeftPush
  | UserPush;
export type ServerFrame = ServerPush | Reply;

// ---- results ------------------------------------------------------------------------------

export interface ConnectResult {
  conn: string;
  user: string;
  /** When the token expires (ms since epoch); absent for tokens without `exp`. */
  expiresAt?: number;
  /** Server heartbeat interval in ms: no frame for longer than this plus a grace means the link is dead. */
  ping: number;
  limits: import('./limits.js').Limits;
  node: string;
  version: number;
}
export interface RefreshResult {
  expiresAt?: number;
}
export interface JoinResult extends Position {
  room: string;
  /** Present when the join asked for `since`: whether every missed message is in `messages`. */
  recovered?: boolean;
  messages?: MessagePush[];
}
export interface PublishResult extends Position {
  /** True when this was a retry of an already accepted publish (same idempotency key). */
  duplicate?: boolean;
}
export interface PresenceResult {
  members: PresenceMember[];
}
export interface HistoryResult extends Position {
  messages: MessagePush[];
}
export type LeaveResult = Record<string, never>;
export type PingResult = Record<string, never>;

export interface ResultByOp {
  connect: ConnectResult;
  refresh: RefreshResult;
  join: JoinResult;
  leave: LeaveResult;
  publish: PublishResult;
  presence: PresenceResult;
  history: HistoryResult;
  ping: PingResult;
}

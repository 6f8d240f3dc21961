import type { ConnectResult, MessagePush, Position, PresenceMember, UserPush } from '@switchboard/protocol';
import type { SwitchboardError } from './errors.js';
import type { UnrecoveredReason } from './stream.js';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

export interface StateEvent {
  state: ConnectionState;
  previous: ConnectionState;
}
export interface ConnectingEvent {
  /** 0 for the first attempt after `connect()` or after a stable connection. */
  attempt: number;
}
export interface DisconnectingEvent {
  code: number;
  reason: string;
}
export interface DisconnectedEvent {
  /** The server's close code, 1000 after `disconnect()`, or 1006 when the link failed without one. */
  code: number;
  reason: string;
  /** Whether the client will reconnect by itself. */
  reconnect: boolean;
  /**
   * When `reconnect`: the delay before the next attempt, ms. Absent while the browser is
   * offline: the next attempt starts when it comes back online.
   */
  delayMs?: number;
  /** What went wrong, when something did. */
  error?: SwitchboardError | undefined;
}
export interface JoinedEvent {
  room: string;
  offset: number;
  epoch: string;
  /** True when this join re-established a room after a reconnect. */
  rejoin: boolean;
  /** For rejoins: whether every missed message was recovered (false also emits `unrecovered`). */
  recovered?: boolean;
  /**
   * True when a backend subscribed this connection (server-side subscribe), not `join()`.
   * After a reconnect the room is rejoined with this client's own token grants.
   */
  server?: boolean;
}
export interface LeftEvent {
  room: string;
  code: number;
  reason: string;
}
export interface UnrecoveredEvent {
  room: string;
  reason: UnrecoveredReason;
  /** Where the room's stream continues from; reload state up to here. */
  position: Position;
}
export interface PresenceEvent {
  room: string;
  members: PresenceMember[];
  joins: PresenceMember[];
  leaves: PresenceMember[];
  /** True when `members` was replaced by a snapshot (after a join or rejoin). */
  snapshot: boolean;
}
export interface TokenEvent {
  expiresAt: number | undefined;
}

export interface ClientEvents {
  state: StateEvent;
  connecting: ConnectingEvent;
  connected: ConnectResult;
  disconnecting: DisconnectingEvent;
  disconnected: DisconnectedEvent;
  error: SwitchboardError;
  message: MessagePush;
  joined: JoinedEvent;
  left: LeftEvent;
  unrecovered: UnrecoveredEvent;
  presence: PresenceEvent;
  token: TokenEvent;
  /** A notification from a backend to every connection of this user (not part of a room; not recovered). */
  notification: UserPush;
}

/** Emits one of the client's events (the client's own `emit`, handed to its collaborators). */
export type EmitEvent = <K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]) => void;

import type { JsonValue, Position } from '@switchboard/protocol';

/** Who asks: the identity the edge established for the connection. */
export interface Requester {
  user: string;
  grants: { join: readonly string[]; publish: readonly string[] };
}

export interface PublishRequest extends Requester {
  conn: string;
  room: string;
  event: string;
  data: JsonValue;
  key?: string;
}
export interface PublishReply extends Position {
  duplicate?: boolean;
}

export interface JoinRequest extends Requester {
  room: string;
  since?: Position;
}
/** `messages` are ready-to-send client frames (JSON text), oldest first. */
export interface JoinReply extends Position {
  room: string;
  recovered?: boolean;
  messages?: string[];
}

export interface HistoryRequest extends Requester {
  room: string;
  since?: Position;
  limit?: number;
  reverse?: boolean;
}
export interface HistoryReply extends Position {
  messages: string[];
}

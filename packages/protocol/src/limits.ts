/** Protocol limits a server advertises in its `connect` reply; these are the defaults. */
export interface Limits {
  /** Largest text frame the server accepts, in bytes. Larger frames get error 1005. */
  maxFrameBytes: number;
  /** Rooms one connection may be joined to at once. */
  maxRooms: number;
  /** Sustained frames per second one connection may send. */
  rate: number;
  /** Frames a connection may send in a burst above `rate`. */
  burst: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 65_536,
  maxRooms: 128,
  rate: 50,
  burst: 100,
});

export const PROTOCOL_VERSION = 1;
/** Optional `Sec-WebSocket-Protocol` value; the server also accepts connections without one. */
export const SUBPROTOCOL = 'switchboard.v1.json';
/** Largest `history` page. */
export const HISTORY_LIMIT_MAX = 1000;

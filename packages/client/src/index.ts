// Protocol types that appear in the SDK's API, so apps need only this package.
export type {
  ConnectResult,
  HistoryResult,
  JsonValue,
  MessagePush,
  Position,
  PresenceMember,
  PublishResult,
} from '@switchboard/protocol';
export type { BackoffOptions, Jitter } from './backoff.js';
export { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export type { HistoryOptions, JoinOptions, PublishOptions, UnsentPublish } from './client.js';
export { SwitchboardClient } from './client.js';
export type { RequestOp, ServerErrorBody } from './errors.js';
export {
  CancelledError,
  ClientClosedError,
  ConnectionClosedError,
  ConnectionLostError,
  ConnectRejectedError,
  HeartbeatTimeoutError,
  NotConnectedError,
  ProtocolViolationError,
  QueueFullError,
  RequestError,
  StaleTokenError,
  SwitchboardError,
  TimeoutError,
  TokenProviderError,
  TransportError,
} from './errors.js';
export type {
  ClientEvents,
  ConnectingEvent,
  ConnectionState,
  DisconnectedEvent,
  DisconnectingEvent,
  JoinedEvent,
  LeftEvent,
  PresenceEvent,
  StateEvent,
  TokenEvent,
  UnrecoveredEvent,
} from './events.js';
export type { ClientOptions, ReconnectOptions, TokenProvider } from './options.js';
export { DEFAULT_OPTIONS, SDK_NAME } from './options.js';
export type { QueueFullPolicy, QueueOptions } from './queue.js';
export { DEFAULT_QUEUE } from './queue.js';
export type { JoinInfo } from './room-subscription.js';
export type { UnrecoveredReason } from './stream.js';
export type { WebSocketConstructor, WebSocketLike } from './transport.js';

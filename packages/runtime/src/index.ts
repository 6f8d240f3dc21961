export type { BucketState } from '@switchboard/protocol';
export { takeTokens } from '@switchboard/protocol';
export type { BackendSettings, Backends } from './backends.js';
export { openBackends } from './backends.js';
export type {
  Bus,
  BusHandler,
  BusHeaders,
  BusMessage,
  BusStatus,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
export { MemoryBus, MemoryBusHub } from './bus-memory.js';
export {
  BadSubjectError,
  ClosedError,
  ConfigError,
  isUnavailableError,
  NoRespondersError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
} from './errors.js';
export type { HealthServer, Readiness } from './health-server.js';
export { startHealthServer } from './health-server.js';
export type {
  AppendResult,
  HistoryEntry,
  HistoryLimits,
  HistoryStore,
  ReadOptions,
  ReadResult,
  StreamPosition,
} from './history-store.js';
export type { MemoryHistoryOptions } from './history-store-memory.js';
export { MemoryHistoryStore } from './history-store-memory.js';
export { randomId } from './ids.js';
export { decodeJson, decodeText, encodeJson, encodeText } from './json.js';
export type { Listening } from './listen.js';
export { listen } from './listen.js';
export type { LogFormat, Logger, LoggerOptions, LogLevel } from './logger.js';
export { createLogger, silentLogger } from './logger.js';
export type { RoomMatcher } from './patterns.js';
export { anyPatternMatches, roomPatternMatches } from './patterns.js';
export type {
  PresenceCount,
  PresenceEntry,
  PresenceRoom,
  PresenceRoomsPage,
  PresenceStore,
} from './presence-store.js';
export { MemoryPresenceStore } from './presence-store-memory.js';
export type { RateLimitResult, RateLimitRule, RateLimitStore } from './rate-limit-store.js';
export { MemoryRateLimitStore } from './rate-limit-store-memory.js';
export type { RevocationStore, TokenRef } from './revocation-store.js';
export { MemoryRevocationStore } from './revocation-store-memory.js';
export type { RpcHandler } from './rpc.js';
export { callRpc, parseRequest, serveRpc } from './rpc.js';
export { assertPublishSubject, assertSubscribeSubject, subjectMatches } from './subject.js';
export type { ControlMessage, LifecycleKind, NodeHeartbeat } from './subjects.js';
export { DeliveryHeaders, QueueGroups, Subjects, userToken } from './subjects.js';
export { busAttributes, contextFrom, inSpan, SpanKind, traceHeaders, tracer } from './tracing.js';

/**
 * `@switchboard/bus`: the bus between the services (interface, in-memory implementation, subject
 * rules), request/reply on top of it (rpc), the subjects the services use, and the bus's errors.
 * The NATS bus is `@switchboard/bus/nats`, the contract suite `@switchboard/bus/contract`.
 */
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
export { randomId } from './ids.js';
export { decodeJson, decodeText, encodeJson, encodeText } from './json.js';
export type { BusRole, RolePermissions } from './permissions.js';
export {
  BUS_ROLES,
  grantCovers,
  inboxPrefix,
  permissionsMarkdown,
  permits,
  ROLE_PERMISSIONS,
} from './permissions.js';
export type { RpcHandler, RpcMetrics } from './rpc.js';
export { call, parseRequest, serve } from './rpc.js';
export { RpcBatchHeader } from './rpc-batch.js';
export type { RpcCallOptions } from './rpc-client.js';
export { RpcClient } from './rpc-client.js';
export type {
  RpcBatchLimits,
  RpcBody,
  RpcDescriptor,
  RpcReply,
  RpcRequest,
  RpcResult,
} from './rpc-descriptor.js';
export { rpcDescriptor } from './rpc-descriptor.js';
export type { CodedError } from './rpc-errors.js';
export {
  errorCodeForStatus,
  GrpcStatusCode,
  grpcStatusFor,
  INTERNAL_ERROR,
  knownCodedError,
} from './rpc-errors.js';
export { assertPublishSubject, assertSubscribeSubject, subjectMatches } from './subject.js';
export type { ControlMessage, LifecycleKind, NodeHeartbeat } from './subjects.js';
export { DeliveryHeaders, LIFECYCLE_KINDS, QueueGroups, Subjects, userToken } from './subjects.js';

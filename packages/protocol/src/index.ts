export { CloseCode, closeReason, ErrorCode, errorName, isTemporaryError, shouldReconnect } from './codes.js';
export { compareEpochs, epochGeneration } from './epochs.js';
export type {
  ClientCommand,
  ConnectCommand,
  ConnectResult,
  DisconnectPush,
  ErrorBody,
  HistoryCommand,
  HistoryResult,
  JoinCommand,
  JoinedPush,
  JoinResult,
  JsonObject,
  JsonValue,
  LeaveCommand,
  LeaveResult,
  LeftPush,
  MessagePush,
  Op,
  PingCommand,
  PingPush,
  PingResult,
  Position,
  PresenceCommand,
  PresenceMember,
  PresencePush,
  PresenceResult,
  PublishCommand,
  PublishResult,
  RefreshCommand,
  RefreshPush,
  RefreshResult,
  Reply,
  ResultByOp,
  Sender,
  ServerFrame,
  ServerPush,
  UserPush,
} from './frames.js';
export { jsonDepthExceeds, MAX_JSON_DEPTH, valueDepthExceeds } from './json-depth.js';
export type { Limits } from './limits.js';
export { DEFAULT_LIMITS, HISTORY_LIMIT_MAX, PROTOCOL_VERSION, SUBPROTOCOL } from './limits.js';
export type { ParseOutcome } from './parse.js';
export { parseClientFrame, validateClientCommand } from './parse.js';
export type { RoomMatcher } from './patterns.js';
export { anyPatternMatches, roomPatternMatches } from './patterns.js';
export { isValidRoomName, ROOM_NAME_MAX_LENGTH, ROOM_NAME_PATTERN, roomNameSchema } from './rooms.js';
export type { BucketState, TokenBucketResult, TokenBucketRule } from './token-bucket.js';
export { takeTokens } from './token-bucket.js';
export { isValidUserId, USER_ID_CHARACTERS, USER_ID_MAX_LENGTH, USER_ID_PATTERN } from './users.js';

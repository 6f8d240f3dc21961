/**
 * The proto messages' TypeScript types, generated from proto/ by `pnpm gen:proto` (see
 * `src/generated/`; never edit those files): `X` is what a sender passes (every field optional),
 * `X__Output` what a receiver gets under `LOADER_OPTIONS` (defaults filled in, 64-bit integers as
 * numbers). Imported as the `Wire` namespace.
 */
export type * from './generated/switchboard/v1/BroadcastReply.js';
export type * from './generated/switchboard/v1/BroadcastRequest.js';
export type * from './generated/switchboard/v1/BroadcastResult.js';
export type * from './generated/switchboard/v1/DisconnectReply.js';
export type * from './generated/switchboard/v1/DisconnectRequest.js';
export type * from './generated/switchboard/v1/HistoryMessage.js';
export type * from './generated/switchboard/v1/HistoryReply.js';
export type * from './generated/switchboard/v1/HistoryRequest.js';
export type * from './generated/switchboard/v1/InfoReply.js';
export type * from './generated/switchboard/v1/InfoRequest.js';
export type * from './generated/switchboard/v1/Member.js';
export type * from './generated/switchboard/v1/NodeInfo.js';
export type * from './generated/switchboard/v1/PresenceReply.js';
export type * from './generated/switchboard/v1/PresenceRequest.js';
export type * from './generated/switchboard/v1/PresenceStatsReply.js';
export type * from './generated/switchboard/v1/PresenceStatsRequest.js';
export type * from './generated/switchboard/v1/PublishReply.js';
export type * from './generated/switchboard/v1/PublishRequest.js';
export type * from './generated/switchboard/v1/PublishToUserReply.js';
export type * from './generated/switchboard/v1/PublishToUserRequest.js';
export type * from './generated/switchboard/v1/RevokeTokenReply.js';
export type * from './generated/switchboard/v1/RevokeTokenRequest.js';
export type * from './generated/switchboard/v1/RevokeUserReply.js';
export type * from './generated/switchboard/v1/RevokeUserRequest.js';
export type * from './generated/switchboard/v1/RoomInfo.js';
export type * from './generated/switchboard/v1/RoomsReply.js';
export type * from './generated/switchboard/v1/RoomsRequest.js';
export type * from './generated/switchboard/v1/StreamPosition.js';
export type * from './generated/switchboard/v1/SubscribeReply.js';
export type * from './generated/switchboard/v1/SubscribeRequest.js';
export type { SwitchboardHandlers } from './generated/switchboard/v1/Switchboard.js';
export type * from './generated/switchboard/v1/UnsubscribeReply.js';
export type * from './generated/switchboard/v1/UnsubscribeRequest.js';

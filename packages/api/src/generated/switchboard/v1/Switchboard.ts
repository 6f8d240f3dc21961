// Original file: ../../proto/switchboard/v1/api.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BroadcastReply as _switchboard_v1_BroadcastReply, BroadcastReply__Output as _switchboard_v1_BroadcastReply__Output } from '../../switchboard/v1/BroadcastReply.js';
import type { BroadcastRequest as _switchboard_v1_BroadcastRequest, BroadcastRequest__Output as _switchboard_v1_BroadcastRequest__Output } from '../../switchboard/v1/BroadcastRequest.js';
import type { DisconnectReply as _switchboard_v1_DisconnectReply, DisconnectReply__Output as _switchboard_v1_DisconnectReply__Output } from '../../switchboard/v1/DisconnectReply.js';
import type { DisconnectRequest as _switchboard_v1_DisconnectRequest, DisconnectRequest__Output as _switchboard_v1_DisconnectRequest__Output } from '../../switchboard/v1/DisconnectRequest.js';
import type { HistoryReply as _switchboard_v1_HistoryReply, HistoryReply__Output as _switchboard_v1_HistoryReply__Output } from '../../switchboard/v1/HistoryReply.js';
import type { HistoryRequest as _switchboard_v1_HistoryRequest, HistoryRequest__Output as _switchboard_v1_HistoryRequest__Output } from '../../switchboard/v1/HistoryRequest.js';
import type { InfoReply as _switchboard_v1_InfoReply, InfoReply__Output as _switchboard_v1_InfoReply__Output } from '../../switchboard/v1/InfoReply.js';
import type { InfoRequest as _switchboard_v1_InfoRequest, InfoRequest__Output as _switchboard_v1_InfoRequest__Output } from '../../switchboard/v1/InfoRequest.js';
import type { PresenceReply as _switchboard_v1_PresenceReply, PresenceReply__Output as _switchboard_v1_PresenceReply__Output } from '../../switchboard/v1/PresenceReply.js';
import type { PresenceRequest as _switchboard_v1_PresenceRequest, PresenceRequest__Output as _switchboard_v1_PresenceRequest__Output } from '../../switchboard/v1/PresenceRequest.js';
import type { PresenceStatsReply as _switchboard_v1_PresenceStatsReply, PresenceStatsReply__Output as _switchboard_v1_PresenceStatsReply__Output } from '../../switchboard/v1/PresenceStatsReply.js';
import type { PresenceStatsRequest as _switchboard_v1_PresenceStatsRequest, PresenceStatsRequest__Output as _switchboard_v1_PresenceStatsRequest__Output } from '../../switchboard/v1/PresenceStatsRequest.js';
import type { PublishReply as _switchboard_v1_PublishReply, PublishReply__Output as _switchboard_v1_PublishReply__Output } from '../../switchboard/v1/PublishReply.js';
import type { PublishRequest as _switchboard_v1_PublishRequest, PublishRequest__Output as _switchboard_v1_PublishRequest__Output } from '../../switchboard/v1/PublishRequest.js';
import type { PublishToUserReply as _switchboard_v1_PublishToUserReply, PublishToUserReply__Output as _switchboard_v1_PublishToUserReply__Output } from '../../switchboard/v1/PublishToUserReply.js';
import type { PublishToUserRequest as _switchboard_v1_PublishToUserRequest, PublishToUserRequest__Output as _switchboard_v1_PublishToUserRequest__Output } from '../../switchboard/v1/PublishToUserRequest.js';
import type { RevokeTokenReply as _switchboard_v1_RevokeTokenReply, RevokeTokenReply__Output as _switchboard_v1_RevokeTokenReply__Output } from '../../switchboard/v1/RevokeTokenReply.js';
import type { RevokeTokenRequest as _switchboard_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _switchboard_v1_RevokeTokenRequest__Output } from '../../switchboard/v1/RevokeTokenRequest.js';
import type { RevokeUserReply as _switchboard_v1_RevokeUserReply, RevokeUserReply__Output as _switchboard_v1_RevokeUserReply__Output } from '../../switchboard/v1/RevokeUserReply.js';
import type { RevokeUserRequest as _switchboard_v1_RevokeUserRequest, RevokeUserRequest__Output as _switchboard_v1_RevokeUserRequest__Output } from '../../switchboard/v1/RevokeUserRequest.js';
import type { RoomsReply as _switchboard_v1_RoomsReply, RoomsReply__Output as _switchboard_v1_RoomsReply__Output } from '../../switchboard/v1/RoomsReply.js';
import type { RoomsRequest as _switchboard_v1_RoomsRequest, RoomsRequest__Output as _switchboard_v1_RoomsRequest__Output } from '../../switchboard/v1/RoomsRequest.js';
import type { SubscribeReply as _switchboard_v1_SubscribeReply, SubscribeReply__Output as _switchboard_v1_SubscribeReply__Output } from '../../switchboard/v1/SubscribeReply.js';
import type { SubscribeRequest as _switchboard_v1_SubscribeRequest, SubscribeRequest__Output as _switchboard_v1_SubscribeRequest__Output } from '../../switchboard/v1/SubscribeRequest.js';
import type { UnsubscribeReply as _switchboard_v1_UnsubscribeReply, UnsubscribeReply__Output as _switchboard_v1_UnsubscribeReply__Output } from '../../switchboard/v1/UnsubscribeReply.js';
import type { UnsubscribeRequest as _switchboard_v1_UnsubscribeRequest, UnsubscribeRequest__Output as _switchboard_v1_UnsubscribeRequest__Output } from '../../switchboard/v1/UnsubscribeRequest.js';

export interface SwitchboardClient extends grpc.Client {
  /**
   * Publishes one message to many rooms; each room answers on its own (partial success).
   */
  Broadcast(argument: _switchboard_v1_BroadcastRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  Broadcast(argument: _switchboard_v1_BroadcastRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  Broadcast(argument: _switchboard_v1_BroadcastRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  Broadcast(argument: _switchboard_v1_BroadcastRequest, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  /**
   * Publishes one message to many rooms; each room answers on its own (partial success).
   */
  broadcast(argument: _switchboard_v1_BroadcastRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  broadcast(argument: _switchboard_v1_BroadcastRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  broadcast(argument: _switchboard_v1_BroadcastRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  broadcast(argument: _switchboard_v1_BroadcastRequest, callback: grpc.requestCallback<_switchboard_v1_BroadcastReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Closes every connection of a user, or one connection by id, with a close code and reason.
   */
  Disconnect(argument: _switchboard_v1_DisconnectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  Disconnect(argument: _switchboard_v1_DisconnectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  Disconnect(argument: _switchboard_v1_DisconnectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  Disconnect(argument: _switchboard_v1_DisconnectRequest, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  /**
   * Closes every connection of a user, or one connection by id, with a close code and reason.
   */
  disconnect(argument: _switchboard_v1_DisconnectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  disconnect(argument: _switchboard_v1_DisconnectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  disconnect(argument: _switchboard_v1_DisconnectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  disconnect(argument: _switchboard_v1_DisconnectRequest, callback: grpc.requestCallback<_switchboard_v1_DisconnectReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Messages kept for the room (see SB_HISTORY_SIZE / SB_HISTORY_TTL_MS).
   */
  History(argument: _switchboard_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _switchboard_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _switchboard_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _switchboard_v1_HistoryRequest, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  /**
   * Messages kept for the room (see SB_HISTORY_SIZE / SB_HISTORY_TTL_MS).
   */
  history(argument: _switchboard_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _switchboard_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _switchboard_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _switchboard_v1_HistoryRequest, callback: grpc.requestCallback<_switchboard_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * The cluster's nodes (from their heartbeats) with connection counts and versions.
   */
  Info(argument: _switchboard_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  Info(argument: _switchboard_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  Info(argument: _switchboard_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  Info(argument: _switchboard_v1_InfoRequest, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  /**
   * The cluster's nodes (from their heartbeats) with connection counts and versions.
   */
  info(argument: _switchboard_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  info(argument: _switchboard_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  info(argument: _switchboard_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  info(argument: _switchboard_v1_InfoRequest, callback: grpc.requestCallback<_switchboard_v1_InfoReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * The room's members: one entry per connection.
   */
  Presence(argument: _switchboard_v1_PresenceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  Presence(argument: _switchboard_v1_PresenceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  Presence(argument: _switchboard_v1_PresenceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  Presence(argument: _switchboard_v1_PresenceRequest, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  /**
   * The room's members: one entry per connection.
   */
  presence(argument: _switchboard_v1_PresenceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  presence(argument: _switchboard_v1_PresenceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  presence(argument: _switchboard_v1_PresenceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  presence(argument: _switchboard_v1_PresenceRequest, callback: grpc.requestCallback<_switchboard_v1_PresenceReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Numbers only: connections and distinct users in the room.
   */
  PresenceStats(argument: _switchboard_v1_PresenceStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  PresenceStats(argument: _switchboard_v1_PresenceStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  PresenceStats(argument: _switchboard_v1_PresenceStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  PresenceStats(argument: _switchboard_v1_PresenceStatsRequest, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  /**
   * Numbers only: connections and distinct users in the room.
   */
  presenceStats(argument: _switchboard_v1_PresenceStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  presenceStats(argument: _switchboard_v1_PresenceStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  presenceStats(argument: _switchboard_v1_PresenceStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  presenceStats(argument: _switchboard_v1_PresenceStatsRequest, callback: grpc.requestCallback<_switchboard_v1_PresenceStatsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Publishes one message to a room; members receive it with its offset.
   */
  Publish(argument: _switchboard_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  Publish(argument: _switchboard_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  Publish(argument: _switchboard_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  Publish(argument: _switchboard_v1_PublishRequest, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  /**
   * Publishes one message to a room; members receive it with its offset.
   */
  publish(argument: _switchboard_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  publish(argument: _switchboard_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  publish(argument: _switchboard_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  publish(argument: _switchboard_v1_PublishRequest, callback: grpc.requestCallback<_switchboard_v1_PublishReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Sends an event to every connection of a user, on whichever edges they are.
   */
  PublishToUser(argument: _switchboard_v1_PublishToUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  PublishToUser(argument: _switchboard_v1_PublishToUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  PublishToUser(argument: _switchboard_v1_PublishToUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  PublishToUser(argument: _switchboard_v1_PublishToUserRequest, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  /**
   * Sends an event to every connection of a user, on whichever edges they are.
   */
  publishToUser(argument: _switchboard_v1_PublishToUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  publishToUser(argument: _switchboard_v1_PublishToUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  publishToUser(argument: _switchboard_v1_PublishToUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  publishToUser(argument: _switchboard_v1_PublishToUserRequest, callback: grpc.requestCallback<_switchboard_v1_PublishToUserReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Revokes one token by its jti: it cannot connect again, and every open connection holding
   * it is closed with 4501 on every edge.
   */
  RevokeToken(argument: _switchboard_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _switchboard_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _switchboard_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _switchboard_v1_RevokeTokenRequest, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  /**
   * Revokes one token by its jti: it cannot connect again, and every open connection holding
   * it is closed with 4501 on every edge.
   */
  revokeToken(argument: _switchboard_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _switchboard_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _switchboard_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _switchboard_v1_RevokeTokenRequest, callback: grpc.requestCallback<_switchboard_v1_RevokeTokenReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Revokes every token of a user issued before a time (and tokens without iat): same effect.
   */
  RevokeUser(argument: _switchboard_v1_RevokeUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  RevokeUser(argument: _switchboard_v1_RevokeUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  RevokeUser(argument: _switchboard_v1_RevokeUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  RevokeUser(argument: _switchboard_v1_RevokeUserRequest, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  /**
   * Revokes every token of a user issued before a time (and tokens without iat): same effect.
   */
  revokeUser(argument: _switchboard_v1_RevokeUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  revokeUser(argument: _switchboard_v1_RevokeUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  revokeUser(argument: _switchboard_v1_RevokeUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  revokeUser(argument: _switchboard_v1_RevokeUserRequest, callback: grpc.requestCallback<_switchboard_v1_RevokeUserReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Rooms with at least one member, in name order, a page at a time.
   */
  Rooms(argument: _switchboard_v1_RoomsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  Rooms(argument: _switchboard_v1_RoomsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  Rooms(argument: _switchboard_v1_RoomsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  Rooms(argument: _switchboard_v1_RoomsRequest, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  /**
   * Rooms with at least one member, in name order, a page at a time.
   */
  rooms(argument: _switchboard_v1_RoomsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  rooms(argument: _switchboard_v1_RoomsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  rooms(argument: _switchboard_v1_RoomsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  rooms(argument: _switchboard_v1_RoomsRequest, callback: grpc.requestCallback<_switchboard_v1_RoomsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Joins every connection of a user to a room (server side: no token grant needed).
   */
  Subscribe(argument: _switchboard_v1_SubscribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  Subscribe(argument: _switchboard_v1_SubscribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  Subscribe(argument: _switchboard_v1_SubscribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  Subscribe(argument: _switchboard_v1_SubscribeRequest, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  /**
   * Joins every connection of a user to a room (server side: no token grant needed).
   */
  subscribe(argument: _switchboard_v1_SubscribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  subscribe(argument: _switchboard_v1_SubscribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  subscribe(argument: _switchboard_v1_SubscribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  subscribe(argument: _switchboard_v1_SubscribeRequest, callback: grpc.requestCallback<_switchboard_v1_SubscribeReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Removes every connection of a user from a room.
   */
  Unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  Unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  Unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  Unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  /**
   * Removes every connection of a user from a room.
   */
  unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  unsubscribe(argument: _switchboard_v1_UnsubscribeRequest, callback: grpc.requestCallback<_switchboard_v1_UnsubscribeReply__Output>): grpc.ClientUnaryCall;
  
}

export interface SwitchboardHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Publishes one message to many rooms; each room answers on its own (partial success).
   */
  Broadcast: grpc.handleUnaryCall<_switchboard_v1_BroadcastRequest__Output, _switchboard_v1_BroadcastReply>;
  
  /**
   * Closes every connection of a user, or one connection by id, with a close code and reason.
   */
  Disconnect: grpc.handleUnaryCall<_switchboard_v1_DisconnectRequest__Output, _switchboard_v1_DisconnectReply>;
  
  /**
   * Messages kept for the room (see SB_HISTORY_SIZE / SB_HISTORY_TTL_MS).
   */
  History: grpc.handleUnaryCall<_switchboard_v1_HistoryRequest__Output, _switchboard_v1_HistoryReply>;
  
  /**
   * The cluster's nodes (from their heartbeats) with connection counts and versions.
   */
  Info: grpc.handleUnaryCall<_switchboard_v1_InfoRequest__Output, _switchboard_v1_InfoReply>;
  
  /**
   * The room's members: one entry per connection.
   */
  Presence: grpc.handleUnaryCall<_switchboard_v1_PresenceRequest__Output, _switchboard_v1_PresenceReply>;
  
  /**
   * Numbers only: connections and distinct users in the room.
   */
  PresenceStats: grpc.handleUnaryCall<_switchboard_v1_PresenceStatsRequest__Output, _switchboard_v1_PresenceStatsReply>;
  
  /**
   * Publishes one message to a room; members receive it with its offset.
   */
  Publish: grpc.handleUnaryCall<_switchboard_v1_PublishRequest__Output, _switchboard_v1_PublishReply>;
  
  /**
   * Sends an event to every connection of a user, on whichever edges they are.
   */
  PublishToUser: grpc.handleUnaryCall<_switchboard_v1_PublishToUserRequest__Output, _switchboard_v1_PublishToUserReply>;
  
  /**
   * Revokes one token by its jti: it cannot connect again, and every open connection holding
   * it is closed with 4501 on every edge.
   */
  RevokeToken: grpc.handleUnaryCall<_switchboard_v1_RevokeTokenRequest__Output, _switchboard_v1_RevokeTokenReply>;
  
  /**
   * Revokes every token of a user issued before a time (and tokens without iat): same effect.
   */
  RevokeUser: grpc.handleUnaryCall<_switchboard_v1_RevokeUserRequest__Output, _switchboard_v1_RevokeUserReply>;
  
  /**
   * Rooms with at least one member, in name order, a page at a time.
   */
  Rooms: grpc.handleUnaryCall<_switchboard_v1_RoomsRequest__Output, _switchboard_v1_RoomsReply>;
  
  /**
   * Joins every connection of a user to a room (server side: no token grant needed).
   */
  Subscribe: grpc.handleUnaryCall<_switchboard_v1_SubscribeRequest__Output, _switchboard_v1_SubscribeReply>;
  
  /**
   * Removes every connection of a user from a room.
   */
  Unsubscribe: grpc.handleUnaryCall<_switchboard_v1_UnsubscribeRequest__Output, _switchboard_v1_UnsubscribeReply>;
  
}

export interface SwitchboardDefinition extends grpc.ServiceDefinition {
  Broadcast: MethodDefinition<_switchboard_v1_BroadcastRequest, _switchboard_v1_BroadcastReply, _switchboard_v1_BroadcastRequest__Output, _switchboard_v1_BroadcastReply__Output>
  Disconnect: MethodDefinition<_switchboard_v1_DisconnectRequest, _switchboard_v1_DisconnectReply, _switchboard_v1_DisconnectRequest__Output, _switchboard_v1_DisconnectReply__Output>
  History: MethodDefinition<_switchboard_v1_HistoryRequest, _switchboard_v1_HistoryReply, _switchboard_v1_HistoryRequest__Output, _switchboard_v1_HistoryReply__Output>
  Info: MethodDefinition<_switchboard_v1_InfoRequest, _switchboard_v1_InfoReply, _switchboard_v1_InfoRequest__Output, _switchboard_v1_InfoReply__Output>
  Presence: MethodDefinition<_switchboard_v1_PresenceRequest, _switchboard_v1_PresenceReply, _switchboard_v1_PresenceRequest__Output, _switchboard_v1_PresenceReply__Output>
  PresenceStats: MethodDefinition<_switchboard_v1_PresenceStatsRequest, _switchboard_v1_PresenceStatsReply, _switchboard_v1_PresenceStatsRequest__Output, _switchboard_v1_PresenceStatsReply__Output>
  Publish: MethodDefinition<_switchboard_v1_PublishRequest, _switchboard_v1_PublishReply, _switchboard_v1_PublishRequest__Output, _switchboard_v1_PublishReply__Output>
  PublishToUser: MethodDefinition<_switchboard_v1_PublishToUserRequest, _switchboard_v1_PublishToUserReply, _switchboard_v1_PublishToUserRequest__Output, _switchboard_v1_PublishToUserReply__Output>
  RevokeToken: MethodDefinition<_switchboard_v1_RevokeTokenRequest, _switchboard_v1_RevokeTokenReply, _switchboard_v1_RevokeTokenRequest__Output, _switchboard_v1_RevokeTokenReply__Output>
  RevokeUser: MethodDefinition<_switchboard_v1_RevokeUserRequest, _switchboard_v1_RevokeUserReply, _switchboard_v1_RevokeUserRequest__Output, _switchboard_v1_RevokeUserReply__Output>
  Rooms: MethodDefinition<_switchboard_v1_RoomsRequest, _switchboard_v1_RoomsReply, _switchboard_v1_RoomsRequest__Output, _switchboard_v1_RoomsReply__Output>
  Subscribe: MethodDefinition<_switchboard_v1_SubscribeRequest, _switchboard_v1_SubscribeReply, _switchboard_v1_SubscribeRequest__Output, _switchboard_v1_SubscribeReply__Output>
  Unsubscribe: MethodDefinition<_switchboard_v1_UnsubscribeRequest, _switchboard_v1_UnsubscribeReply, _switchboard_v1_UnsubscribeRequest__Output, _switchboard_v1_UnsubscribeReply__Output>
}

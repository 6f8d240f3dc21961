import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { BroadcastReply as _switchboard_v1_BroadcastReply, BroadcastReply__Output as _switchboard_v1_BroadcastReply__Output } from './switchboard/v1/BroadcastReply.js';
import type { BroadcastRequest as _switchboard_v1_BroadcastRequest, BroadcastRequest__Output as _switchboard_v1_BroadcastRequest__Output } from './switchboard/v1/BroadcastRequest.js';
import type { BroadcastResult as _switchboard_v1_BroadcastResult, BroadcastResult__Output as _switchboard_v1_BroadcastResult__Output } from './switchboard/v1/BroadcastResult.js';
import type { DisconnectReply as _switchboard_v1_DisconnectReply, DisconnectReply__Output as _switchboard_v1_DisconnectReply__Output } from './switchboard/v1/DisconnectReply.js';
import type { DisconnectRequest as _switchboard_v1_DisconnectRequest, DisconnectRequest__Output as _switchboard_v1_DisconnectRequest__Output } from './switchboard/v1/DisconnectRequest.js';
import type { HistoryMessage as _switchboard_v1_HistoryMessage, HistoryMessage__Output as _switchboard_v1_HistoryMessage__Output } from './switchboard/v1/HistoryMessage.js';
import type { HistoryReply as _switchboard_v1_HistoryReply, HistoryReply__Output as _switchboard_v1_HistoryReply__Output } from './switchboard/v1/HistoryReply.js';
import type { HistoryRequest as _switchboard_v1_HistoryRequest, HistoryRequest__Output as _switchboard_v1_HistoryRequest__Output } from './switchboard/v1/HistoryRequest.js';
import type { InfoReply as _switchboard_v1_InfoReply, InfoReply__Output as _switchboard_v1_InfoReply__Output } from './switchboard/v1/InfoReply.js';
import type { InfoRequest as _switchboard_v1_InfoRequest, InfoRequest__Output as _switchboard_v1_InfoRequest__Output } from './switchboard/v1/InfoRequest.js';
import type { Member as _switchboard_v1_Member, Member__Output as _switchboard_v1_Member__Output } from './switchboard/v1/Member.js';
import type { NodeInfo as _switchboard_v1_NodeInfo, NodeInfo__Output as _switchboard_v1_NodeInfo__Output } from './switchboard/v1/NodeInfo.js';
import type { PresenceReply as _switchboard_v1_PresenceReply, PresenceReply__Output as _switchboard_v1_PresenceReply__Output } from './switchboard/v1/PresenceReply.js';
import type { PresenceRequest as _switchboard_v1_PresenceRequest, PresenceRequest__Output as _switchboard_v1_PresenceRequest__Output } from './switchboard/v1/PresenceRequest.js';
import type { PresenceStatsReply as _switchboard_v1_PresenceStatsReply, PresenceStatsReply__Output as _switchboard_v1_PresenceStatsReply__Output } from './switchboard/v1/PresenceStatsReply.js';
import type { PresenceStatsRequest as _switchboard_v1_PresenceStatsRequest, PresenceStatsRequest__Output as _switchboard_v1_PresenceStatsRequest__Output } from './switchboard/v1/PresenceStatsRequest.js';
import type { PublishReply as _switchboard_v1_PublishReply, PublishReply__Output as _switchboard_v1_PublishReply__Output } from './switchboard/v1/PublishReply.js';
import type { PublishRequest as _switchboard_v1_PublishRequest, PublishRequest__Output as _switchboard_v1_PublishRequest__Output } from './switchboard/v1/PublishRequest.js';
import type { PublishToUserReply as _switchboard_v1_PublishToUserReply, PublishToUserReply__Output as _switchboard_v1_PublishToUserReply__Output } from './switchboard/v1/PublishToUserReply.js';
import type { PublishToUserRequest as _switchboard_v1_PublishToUserRequest, PublishToUserRequest__Output as _switchboard_v1_PublishToUserRequest__Output } from './switchboard/v1/PublishToUserRequest.js';
import type { RevokeTokenReply as _switchboard_v1_RevokeTokenReply, RevokeTokenReply__Output as _switchboard_v1_RevokeTokenReply__Output } from './switchboard/v1/RevokeTokenReply.js';
import type { RevokeTokenRequest as _switchboard_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _switchboard_v1_RevokeTokenRequest__Output } from './switchboard/v1/RevokeTokenRequest.js';
import type { RevokeUserReply as _switchboard_v1_RevokeUserReply, RevokeUserReply__Output as _switchboard_v1_RevokeUserReply__Output } from './switchboard/v1/RevokeUserReply.js';
import type { RevokeUserRequest as _switchboard_v1_RevokeUserRequest, RevokeUserRequest__Output as _switchboard_v1_RevokeUserRequest__Output } from './switchboard/v1/RevokeUserRequest.js';
import type { RoomInfo as _switchboard_v1_RoomInfo, RoomInfo__Output as _switchboard_v1_RoomInfo__Output } from './switchboard/v1/RoomInfo.js';
import type { RoomsReply as _switchboard_v1_RoomsReply, RoomsReply__Output as _switchboard_v1_RoomsReply__Output } from './switchboard/v1/RoomsReply.js';
import type { RoomsRequest as _switchboard_v1_RoomsRequest, RoomsRequest__Output as _switchboard_v1_RoomsRequest__Output } from './switchboard/v1/RoomsRequest.js';
import type { StreamPosition as _switchboard_v1_StreamPosition, StreamPosition__Output as _switchboard_v1_StreamPosition__Output } from './switchboard/v1/StreamPosition.js';
import type { SubscribeReply as _switchboard_v1_SubscribeReply, SubscribeReply__Output as _switchboard_v1_SubscribeReply__Output } from './switchboard/v1/SubscribeReply.js';
import type { SubscribeRequest as _switchboard_v1_SubscribeRequest, SubscribeRequest__Output as _switchboard_v1_SubscribeRequest__Output } from './switchboard/v1/SubscribeRequest.js';
import type { SwitchboardClient as _switchboard_v1_SwitchboardClient, SwitchboardDefinition as _switchboard_v1_SwitchboardDefinition } from './switchboard/v1/Switchboard.js';
import type { UnsubscribeReply as _switchboard_v1_UnsubscribeReply, UnsubscribeReply__Output as _switchboard_v1_UnsubscribeReply__Output } from './switchboard/v1/UnsubscribeReply.js';
import type { UnsubscribeRequest as _switchboard_v1_UnsubscribeRequest, UnsubscribeRequest__Output as _switchboard_v1_UnsubscribeRequest__Output } from './switchboard/v1/UnsubscribeRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchboard: {
    v1: {
      BroadcastReply: MessageTypeDefinition<_switchboard_v1_BroadcastReply, _switchboard_v1_BroadcastReply__Output>
      BroadcastRequest: MessageTypeDefinition<_switchboard_v1_BroadcastRequest, _switchboard_v1_BroadcastRequest__Output>
      BroadcastResult: MessageTypeDefinition<_switchboard_v1_BroadcastResult, _switchboard_v1_BroadcastResult__Output>
      DisconnectReply: MessageTypeDefinition<_switchboard_v1_DisconnectReply, _switchboard_v1_DisconnectReply__Output>
      DisconnectRequest: MessageTypeDefinition<_switchboard_v1_DisconnectRequest, _switchboard_v1_DisconnectRequest__Output>
      HistoryMessage: MessageTypeDefinition<_switchboard_v1_HistoryMessage, _switchboard_v1_HistoryMessage__Output>
      HistoryReply: MessageTypeDefinition<_switchboard_v1_HistoryReply, _switchboard_v1_HistoryReply__Output>
      HistoryRequest: MessageTypeDefinition<_switchboard_v1_HistoryRequest, _switchboard_v1_HistoryRequest__Output>
      InfoReply: MessageTypeDefinition<_switchboard_v1_InfoReply, _switchboard_v1_InfoReply__Output>
      InfoRequest: MessageTypeDefinition<_switchboard_v1_InfoRequest, _switchboard_v1_InfoRequest__Output>
      Member: MessageTypeDefinition<_switchboard_v1_Member, _switchboard_v1_Member__Output>
      NodeInfo: MessageTypeDefinition<_switchboard_v1_NodeInfo, _switchboard_v1_NodeInfo__Output>
      PresenceReply: MessageTypeDefinition<_switchboard_v1_PresenceReply, _switchboard_v1_PresenceReply__Output>
      PresenceRequest: MessageTypeDefinition<_switchboard_v1_PresenceRequest, _switchboard_v1_PresenceRequest__Output>
      PresenceStatsReply: MessageTypeDefinition<_switchboard_v1_PresenceStatsReply, _switchboard_v1_PresenceStatsReply__Output>
      PresenceStatsRequest: MessageTypeDefinition<_switchboard_v1_PresenceStatsRequest, _switchboard_v1_PresenceStatsRequest__Output>
      PublishReply: MessageTypeDefinition<_switchboard_v1_PublishReply, _switchboard_v1_PublishReply__Output>
      PublishRequest: MessageTypeDefinition<_switchboard_v1_PublishRequest, _switchboard_v1_PublishRequest__Output>
      PublishToUserReply: MessageTypeDefinition<_switchboard_v1_PublishToUserReply, _switchboard_v1_PublishToUserReply__Output>
      PublishToUserRequest: MessageTypeDefinition<_switchboard_v1_PublishToUserRequest, _switchboard_v1_PublishToUserRequest__Output>
      RevokeTokenReply: MessageTypeDefinition<_switchboard_v1_RevokeTokenReply, _switchboard_v1_RevokeTokenReply__Output>
      RevokeTokenRequest: MessageTypeDefinition<_switchboard_v1_RevokeTokenRequest, _switchboard_v1_RevokeTokenRequest__Output>
      RevokeUserReply: MessageTypeDefinition<_switchboard_v1_RevokeUserReply, _switchboard_v1_RevokeUserReply__Output>
      RevokeUserRequest: MessageTypeDefinition<_switchboard_v1_RevokeUserRequest, _switchboard_v1_RevokeUserRequest__Output>
      RoomInfo: MessageTypeDefinition<_switchboard_v1_RoomInfo, _switchboard_v1_RoomInfo__Output>
      RoomsReply: MessageTypeDefinition<_switchboard_v1_RoomsReply, _switchboard_v1_RoomsReply__Output>
      RoomsRequest: MessageTypeDefinition<_switchboard_v1_RoomsRequest, _switchboard_v1_RoomsRequest__Output>
      StreamPosition: MessageTypeDefinition<_switchboard_v1_StreamPosition, _switchboard_v1_StreamPosition__Output>
      SubscribeReply: MessageTypeDefinition<_switchboard_v1_SubscribeReply, _switchboard_v1_SubscribeReply__Output>
      SubscribeRequest: MessageTypeDefinition<_switchboard_v1_SubscribeRequest, _switchboard_v1_SubscribeRequest__Output>
      Switchboard: SubtypeConstructor<typeof grpc.Client, _switchboard_v1_SwitchboardClient> & { service: _switchboard_v1_SwitchboardDefinition }
      UnsubscribeReply: MessageTypeDefinition<_switchboard_v1_UnsubscribeReply, _switchboard_v1_UnsubscribeReply__Output>
      UnsubscribeRequest: MessageTypeDefinition<_switchboard_v1_UnsubscribeRequest, _switchboard_v1_UnsubscribeRequest__Output>
    }
  }
}


/**
 * `@switchboard/server-sdk`: the server API for Node backends.
 *
 *   const sb = new GrpcServerClient({ url: 'localhost:50051', apiKey });   // every RPC
 *   const sb = await NatsServerClient.connect({ servers: 'nats://…' });     // fast path on the bus,
 *                                          // from '@switchboard/server-sdk/nats'
 *   await sb.publish({ room: 'chat:lobby', event: 'say', data: { text: 'hi' } });
 *
 * Both validate requests with the server's schemas and throw `SwitchboardApiError` (`code`: a
 * protocol ErrorCode; `temporary`: worth a retry).
 */

export { SwitchboardApiError } from '@switchboard/api/errors';
export type {
  BroadcastInput,
  BroadcastRoomResult,
  DisconnectInput,
  HistoryInput,
  HistoryMessage,
  HistoryResult,
  InfoResult,
  Member,
  NodeInfo,
  PresenceStats,
  PublishInput,
  PublishResult,
  PublishToUserInput,
  RevokeTokenInput,
  RevokeTokenResult,
  RevokeUserInput,
  RevokeUserResult,
  RoomInfo,
  RoomsInput,
  RoomsPage,
  SubscribeInput,
} from '@switchboard/api/schemas';
export { ErrorCode } from '@switchboard/protocol';
export type { CallOptions, ServerApi } from './client.js';
export { GrpcServerClient } from './client.js';
export type { GrpcTransportOptions } from './grpc.js';

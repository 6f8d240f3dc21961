import type { RpcReply, RpcRequest } from '@switchboard/bus';
import type { RouterRpc } from './rpc.js';

/** The router's request and reply shapes, as its descriptors (`RouterRpc`) define them. */
export type PublishRequest = RpcRequest<typeof RouterRpc.publish>;
export type PublishReply = RpcReply<typeof RouterRpc.publish>;
export type JoinRequest = RpcRequest<typeof RouterRpc.join>;
export type JoinReply = RpcReply<typeof RouterRpc.join>;
export type HistoryRequest = RpcRequest<typeof RouterRpc.history>;
export type HistoryReply = RpcReply<typeof RouterRpc.history>;
/** Who publishes: the user the edge verified. */
export type Publisher = Pick<PublishRequest, 'user'>;

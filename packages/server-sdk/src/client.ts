import { validate } from '@switchboard/api/errors';
import {
  type BroadcastInput,
  type BroadcastRoomResult,
  broadcastSchema,
  type DisconnectInput,
  disconnectSchema,
  type HistoryInput,
  type HistoryResult,
  historySchema,
  type InfoResult,
  type Member,
  type PresenceStats,
  type PublishInput,
  type PublishResult,
  type PublishToUserInput,
  publishSchema,
  publishToUserSchema,
  type RevokeTokenInput,
  type RevokeTokenResult,
  type RevokeUserInput,
  type RevokeUserResult,
  type RoomsInput,
  type RoomsPage,
  revokeTokenSchema,
  revokeUserSchema,
  roomOnlySchema,
  roomsSchema,
  type SubscribeInput,
  subscribeSchema,
} from '@switchboard/api/schemas';
import { replyFromWire, requestToWire, type Wire } from '@switchboard/api/wire';
import { GrpcChannel, type GrpcTransportOptions } from './grpc.js';
import { pages } from './pages.js';

/** Per call: how long to wait for the answer (default: the client's). */
// Optional fields of the public types also take `undefined`, so apps compiled with
// `exactOptionalPropertyTypes` can pass what they hold (e.g. `process.env.X`) as it is.
export interface CallOptions {
  timeoutMs?: number | undefined;
}

/** Every server API operation; both transports implement it with the same inputs and errors. */
export interface ServerApi {
  publish(input: PublishInput, options?: CallOptions): Promise<PublishResult>;
  broadcast(input: BroadcastInput, options?: CallOptions): Promise<BroadcastRoomResult[]>;
  publishToUser(input: PublishToUserInput, options?: CallOptions): Promise<void>;
  presence(room: string, options?: CallOptions): Promise<Member[]>;
  presenceStats(room: string, options?: CallOptions): Promise<PresenceStats>;
  history(input: HistoryInput, options?: CallOptions): Promise<HistoryResult>;
  disconnect(input: DisconnectInput, options?: CallOptions): Promise<void>;
  subscribe(input: SubscribeInput, options?: CallOptions): Promise<void>;
  unsubscribe(input: SubscribeInput, options?: CallOptions): Promise<void>;
  rooms(input?: RoomsInput, options?: CallOptions): Promise<RoomsPage>;
  /** Every room with members, following the cursor page by page. */
  allRooms(
    options?: CallOptions & { pageSize?: number | undefined },
  ): AsyncGenerator<RoomsPage['rooms'][number]>;
  info(options?: CallOptions): Promise<InfoResult>;
  /** Revokes one token by `jti`; connections holding it are closed with 4501 on every edge. */
  revokeToken(input: RevokeTokenInput, options?: CallOptions): Promise<RevokeTokenResult>;
  /** Revokes every token of a user issued before `issuedBefore` (default now); same effect. */
  revokeUser(input: RevokeUserInput, options?: CallOptions): Promise<RevokeUserResult>;
  close(): Promise<void>;
}

/**
 * The server API over gRPC: every RPC. Inputs are validated here with the server's own schemas
 * (a bad request fails before it leaves the process), errors are `SwitchboardApiError`.
 */
export class GrpcServerClient implements ServerApi {
  readonly #channel: GrpcChannel;

  constructor(options: GrpcTransportOptions) {
    this.#channel = new GrpcChannel(options);
  }

  async publish(input: PublishInput, options?: CallOptions): Promise<PublishResult> {
    const req = validate(publishSchema, input) as PublishInput;
    return replyFromWire.publish(
      await this.#channel.call<Wire.PublishRequest, Wire.PublishReply__Output>(
        'Publish',
        requestToWire.publish(req),
        options?.timeoutMs,
      ),
    );
  }

  async broadcast(input: BroadcastInput, options?: CallOptions): Promise<BroadcastRoomResult[]> {
    const req = validate(broadcastSchema, input) as BroadcastInput;
    return replyFromWire.broadcast(
      await this.#channel.call<Wire.BroadcastRequest, Wire.BroadcastReply__Output>(
        'Broadcast',
        requestToWire.broadcast(req),
        options?.timeoutMs,
      ),
    );
  }

  async publishToUser(input: PublishToUserInput, options?: CallOptions): Promise<void> {
    const req = validate(publishToUserSchema, input) as PublishToUserInput;
    await this.#channel.call('PublishToUser', requestToWire.publishToUser(req), options?.timeoutMs);
  }

  async presence(room: string, options?: CallOptions): Promise<Member[]> {
    validate(roomOnlySchema, { room });
    return replyFromWire.presence(
      await this.#channel.call<Wire.PresenceRequest, Wire.PresenceReply__Output>(
        'Presence',
        { room },
        options?.timeoutMs,
      ),
    );
  }

  async presenceStats(room: string, options?: CallOptions): Promise<PresenceStats> {
    validate(roomOnlySchema, { room });
    return replyFromWire.presenceStats(
      await this.#channel.call<Wire.PresenceStatsRequest, Wire.PresenceStatsReply__Output>(
        'PresenceStats',
        { room },
        options?.timeoutMs,
      ),
    );
  }

  async history(input: HistoryInput, options?: CallOptions): Promise<HistoryResult> {
    const req = validate(historySchema, input);
    return replyFromWire.history(
      await this.#channel.call<Wire.HistoryRequest, Wire.HistoryReply__Output>(
        'History',
        requestToWire.history(req),
        options?.timeoutMs,
      ),
    );
  }

  async disconnect(input: DisconnectInput, options?: CallOptions): Promise<void> {
    const req = validate(disconnectSchema, input);
    await this.#channel.call('Disconnect', requestToWire.disconnect(req), options?.timeoutMs);
  }

  async subscribe(input: SubscribeInput, options?: CallOptions): Promise<void> {
    const req = validate(subscribeSchema, input);
    await this.#channel.call('Subscribe', requestToWire.subscribe(req), options?.timeoutMs);
  }

  async revokeToken(input: RevokeTokenInput, options?: CallOptions): Promise<RevokeTokenResult> {
    const req = validate(revokeTokenSchema, input);
    return replyFromWire.revokeToken(
      await this.#channel.call<Wire.RevokeTokenRequest, Wire.RevokeTokenReply__Output>(
        'RevokeToken',
        requestToWire.revokeToken(req),
        options?.timeoutMs,
      ),
    );
  }

  async revokeUser(input: RevokeUserInput, options?: CallOptions): Promise<RevokeUserResult> {
    const req = validate(revokeUserSchema, input);
    return replyFromWire.revokeUser(
      await this.#channel.call<Wire.RevokeUserRequest, Wire.RevokeUserReply__Output>(
        'RevokeUser',
        requestToWire.revokeUser(req),
        options?.timeoutMs,
      ),
    );
  }

  async unsubscribe(input: SubscribeInput, options?: CallOptions): Promise<void> {
    const req = validate(subscribeSchema, input);
    await this.#channel.call('Unsubscribe', requestToWire.subscribe(req), options?.timeoutMs);
  }

  async rooms(input: RoomsInput = {}, options?: CallOptions): Promise<RoomsPage> {
    const req = validate(roomsSchema, input);
    return replyFromWire.rooms(
      await this.#channel.call<Wire.RoomsRequest, Wire.RoomsReply__Output>(
        'Rooms',
        requestToWire.rooms(req),
        options?.timeoutMs,
      ),
    );
  }

  allRooms(options?: CallOptions & { pageSize?: number | undefined }) {
    return pages(this, options);
  }

  async info(options?: CallOptions): Promise<InfoResult> {
    return replyFromWire.info(
      await this.#channel.call<Wire.InfoRequest, Wire.InfoReply__Output>('Info', {}, options?.timeoutMs),
    );
  }

  /** `grpc.health.v1.Health/Check`: SERVING, NOT_SERVING (no API key needed). */
  async health(options?: { service?: string | undefined }): Promise<string> {
    return (await this.#channel.health(options?.service ?? '')).status;
  }

  async close(): Promise<void> {
    this.#channel.close();
  }
}

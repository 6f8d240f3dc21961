import { AuthRpc } from '@switchboard/auth/rpc';
import {
  type Bus,
  type ControlMessage,
  DeliveryHeaders,
  encodeJson,
  RpcClient,
  type RpcDescriptor,
  type RpcReply,
  type RpcRequest,
  Subjects,
} from '@switchboard/bus';
import { PresenceRpc } from '@switchboard/presence/rpc';
import { CloseCode, ErrorCode, type JsonValue } from '@switchboard/protocol';
import { RouterRpc } from '@switchboard/router/rpc';
import * as v from 'valibot';
import { SwitchboardApiError, toApiError, validate } from './errors.js';
import type { NodeTable } from './nodes.js';
import {
  type BroadcastInput,
  type BroadcastRoomResult,
  broadcastSchema,
  type DisconnectInput,
  disconnectSchema,
  type HistoryInput,
  type HistoryMessage,
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
  ROOMS_LIMIT_DEFAULT,
  type RoomsInput,
  type RoomsPage,
  revokeTokenSchema,
  revokeUserSchema,
  roomOnlySchema,
  roomsSchema,
  type SubscribeInput,
  subscribeSchema,
} from './schemas.js';

export const DEFAULT_DISCONNECT_REASON = 'disconnected by the server';

export interface CallOptions {
  /** Bus request timeout for this call (default: the core's). */
  timeoutMs?: number;
}

/**
 * Every server API operation, on the bus: transport-independent. The gRPC server calls it after
 * authentication; the server SDK's NATS transport calls it in-process. Each method validates its
 * input with the shared schemas and throws `SwitchboardApiError`.
 */
export class ApiCore {
  readonly #bus: Bus;
  readonly #rpc: RpcClient;
  readonly #nodes: NodeTable | undefined;

  constructor(options: { bus: Bus; timeoutMs: number; nodes?: NodeTable }) {
    this.#bus = options.bus;
    this.#rpc = new RpcClient(options.bus, options.timeoutMs);
    this.#nodes = options.nodes;
  }

  async publish(input: PublishInput, options?: CallOptions): Promise<PublishResult> {
    const req = validate(publishSchema, input);
    return this.#publishOne(req.room, req, options);
  }

  async broadcast(input: BroadcastInput, options?: CallOptions): Promise<BroadcastRoomResult[]> {
    const req = validate(broadcastSchema, input);
    return Promise.all(
      req.rooms.map(async (room): Promise<BroadcastRoomResult> => {
        try {
          return { room, ok: true, ...(await this.#publishOne(room, req, options)) };
        } catch (error) {
          const e = toApiError(error);
          return { room, ok: false, code: e.code, message: e.message };
        }
      }),
    );
  }

  async publishToUser(input: PublishToUserInput, options?: CallOptions): Promise<void> {
    const req = validate(publishToUserSchema, input);
    await this.#call(RouterRpc.apiUser, { user: req.user, event: req.event, data: req.data }, options);
  }

  async presence(input: { room: string }, options?: CallOptions): Promise<Member[]> {
    const { room } = validate(roomOnlySchema, input);
    // An admin read: the API may read any room (nats-server lets only the API and edges ask).
    const reply = await this.#call(PresenceRpc.list, { room }, options);
    return reply.members.map((m) => ({ user: m.user, conn: m.conn, ...(m.meta ? { meta: m.meta } : {}) }));
  }

  async presenceStats(input: { room: string }, options?: CallOptions): Promise<PresenceStats> {
    const { room } = validate(roomOnlySchema, input);
    const reply = await this.#call(PresenceRpc.count, { room }, options);
    if (!reply.tracked)
      throw new SwitchboardApiError(ErrorCode.BadRequest, `presence is off for room "${room}"`);
    return { connections: reply.connections, users: reply.users };
  }

  async history(input: HistoryInput, options?: CallOptions): Promise<HistoryResult> {
    const req = validate(historySchema, input);
    const reply = await this.#call(RouterRpc.history, req, options);
    return { offset: reply.offset, epoch: reply.epoch, messages: reply.messages.map(parseFrame) };
  }

  /**
   * Closes the user's connections on every edge (published to the user's subject, which every
   * edge holding one of them listens to), or one connection by id (to all edges). Fire and
   * forget: like NATS itself, it cannot tell whether anyone was connected.
   */
  async disconnect(input: DisconnectInput): Promise<void> {
    const req = validate(disconnectSchema, input);
    const message: ControlMessage = {
      action: 'disconnect',
      code: req.code ?? CloseCode.Kicked,
      reason: req.reason ?? DEFAULT_DISCONNECT_REASON,
      ...(req.conn !== undefined ? { conn: req.conn } : {}),
    };
    await this.#control(
      req.user !== undefined ? Subjects.controlUser(req.user) : Subjects.controlAll,
      message,
    );
  }

  /** Joins every connection of the user, on every edge, to the room (no token grant needed). */
  async subscribe(input: SubscribeInput): Promise<void> {
    const req = validate(subscribeSchema, input);
    await this.#control(Subjects.controlUser(req.user), { action: 'subscribe', room: req.room });
  }

  async unsubscribe(input: SubscribeInput): Promise<void> {
    const req = validate(subscribeSchema, input);
    await this.#control(Subjects.controlUser(req.user), { action: 'unsubscribe', room: req.room });
  }

  /**
   * Revokes one token (by `jti`): the auth service stores it, then every edge closes the
   * connections holding it with 4501. Answered once stored and announced.
   */
  async revokeToken(input: RevokeTokenInput, options?: CallOptions): Promise<RevokeTokenResult> {
    const req = validate(revokeTokenSchema, input);
    const reply = await this.#call(
      AuthRpc.revokeToken,
      { jti: req.jti, ...(req.until !== undefined ? { untilMs: req.until } : {}) },
      options,
    );
    return { until: reply.untilMs };
  }

  /** Revokes every token of a user issued before `issuedBefore` (default now); see `revokeToken`. */
  async revokeUser(input: RevokeUserInput, options?: CallOptions): Promise<RevokeUserResult> {
    const req = validate(revokeUserSchema, input);
    const reply = await this.#call(
      AuthRpc.revokeUser,
      { user: req.user, ...(req.issuedBefore !== undefined ? { issuedBeforeMs: req.issuedBefore } : {}) },
      options,
    );
    return { issuedBefore: reply.issuedBeforeMs };
  }

  async rooms(input: RoomsInput = {}, options?: CallOptions): Promise<RoomsPage> {
    const req = validate(roomsSchema, input);
    const page = await this.#call(
      PresenceRpc.rooms,
      {
        limit: req.limit ?? ROOMS_LIMIT_DEFAULT,
        ...(req.cursor !== undefined ? { cursor: req.cursor } : {}),
      },
      options,
    );
    return { rooms: page.rooms, ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
  }

  /** The nodes this API instance has heard from (needs a `NodeTable`, i.e. a running API node). */
  info(): InfoResult {
    if (!this.#nodes) {
      throw new SwitchboardApiError(ErrorCode.UnknownOp, 'Info needs an API node (use the gRPC transport)');
    }
    const nodes = this.#nodes.list();
    const connections = nodes.filter((n) => n.kind === 'edge').reduce((sum, n) => sum + n.connections, 0);
    return { nodes, connections, answeredBy: this.#nodes.nodeId };
  }

  async #publishOne(
    room: string,
    req: { event: string; data: unknown; key?: string | undefined; from?: string | undefined },
    options: CallOptions | undefined,
  ): Promise<PublishResult> {
    const reply = await this.#call(
      RouterRpc.apiPublish,
      {
        room,
        event: req.event,
        data: req.data,
        ...(req.key !== undefined ? { key: req.key } : {}),
        ...(req.from !== undefined ? { from: req.from } : {}),
      },
      options,
    );
    return { offset: reply.offset, epoch: reply.epoch, duplicate: reply.duplicate === true };
  }

  async #call<D extends RpcDescriptor>(
    descriptor: D,
    body: RpcRequest<D>,
    options: CallOptions | undefined,
  ): Promise<RpcReply<D>> {
    try {
      return await this.#rpc.call(descriptor, body, options);
    } catch (error) {
      throw toApiError(error);
    }
  }

  /** Control messages are plain publishes; flushed so they have reached the bus when we answer. */
  async #control(subject: string, message: ControlMessage): Promise<void> {
    try {
      this.#bus.publish(subject, encodeJson(message), { headers: { [DeliveryHeaders.kind]: 'control' } });
      await this.#bus.flush();
    } catch (error) {
      throw toApiError(error);
    }
  }
}

/** A stored message frame (`{"t":"msg","room","offset","epoch","event","data","from","ts"}`). */
const storedFrame = v.object({
  offset: v.number(),
  event: v.string(),
  data: v.optional(v.unknown(), null),
  from: v.optional(v.object({ user: v.optional(v.string(), ''), conn: v.optional(v.string(), '') }), {}),
  ts: v.optional(v.number(), 0),
});

function parseFrame(frame: string): HistoryMessage {
  const parsed = v.safeParse(storedFrame, JSON.parse(frame));
  if (!parsed.success)
    throw new SwitchboardApiError(ErrorCode.Internal, 'a stored message could not be read');
  const m = parsed.output;
  // `data` came out of JSON.parse: it is a JSON value.
  return { offset: m.offset, event: m.event, data: m.data as JsonValue, from: m.from, ts: m.ts };
}

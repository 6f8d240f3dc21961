import {
  ErrorCode,
  type JsonObject,
  type JsonValue,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
} from '@switchboard/protocol';
import { SwitchboardApiError } from './errors.js';
import type * as Wire from './proto-messages.js';
import {
  type BroadcastInput,
  type BroadcastRoomResult,
  type DisconnectInput,
  type HistoryInput,
  type HistoryResult,
  type InfoResult,
  MAX_DATA_BYTES,
  type Member,
  type PresenceStats,
  type PublishInput,
  type PublishResult,
  type PublishToUserInput,
  type RevokeTokenInput,
  type RevokeTokenResult,
  type RevokeUserInput,
  type RevokeUserResult,
  type RoomsInput,
  type RoomsPage,
  type SubscribeInput,
} from './schemas.js';

export type { Wire };

/**
 * Conversion of the proto messages (generated types, `Wire.*`: see `proto-messages.ts`) to and
 * from the API's own shapes (`schemas.ts`). The server and the server SDK's gRPC transport share it.
 */

/** Proto3 has no "unset" for strings and numbers: empty and zero mean "not given". */
function opt<T extends string | number>(value: T | undefined | null): T | undefined {
  return value === undefined || value === null || value === '' || value === 0 ? undefined : value;
}

/** `data_json` text → a JSON value ('' is null). Too big or not JSON: BadRequest / TooLarge. */
export function parseDataJson(text: string | undefined, field = 'data_json'): JsonValue {
  if (text === undefined || text === '') return null;
  if (Buffer.byteLength(text) > MAX_DATA_BYTES) {
    throw new SwitchboardApiError(ErrorCode.TooLarge, `"${field}" is larger than ${MAX_DATA_BYTES} bytes`);
  }
  // Before JSON.parse: nothing recursive may see a value nested deeper than the limit.
  if (jsonDepthExceeds(text)) {
    throw new SwitchboardApiError(
      ErrorCode.BadRequest,
      `"${field}" nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new SwitchboardApiError(ErrorCode.BadRequest, `"${field}" is not valid JSON`);
  }
}

function dataJson(data: JsonValue | undefined): string {
  return data === undefined || data === null ? '' : JSON.stringify(data);
}

// ---- server side: proto request → API input, API result → proto reply ------------------------

export const fromWire = {
  publish: (m: Wire.PublishRequest__Output): PublishInput => ({
    room: m.room,
    event: m.event,
    data: parseDataJson(m.dataJson),
    ...withOpt('key', opt(m.idempotencyKey)),
    ...withOpt('from', opt(m.from)),
  }),
  broadcast: (m: Wire.BroadcastRequest__Output): BroadcastInput => ({
    rooms: m.rooms,
    event: m.event,
    data: parseDataJson(m.dataJson),
    ...withOpt('key', opt(m.idempotencyKey)),
    ...withOpt('from', opt(m.from)),
  }),
  publishToUser: (m: Wire.PublishToUserRequest__Output): PublishToUserInput => ({
    user: m.user,
    event: m.event,
    data: parseDataJson(m.dataJson),
  }),
  history: (m: Wire.HistoryRequest__Output): HistoryInput => ({
    room: m.room,
    ...(m.since ? { since: { offset: m.since.offset, epoch: m.since.epoch } } : {}),
    ...withOpt('limit', opt(m.limit)),
    ...(m.reverse ? { reverse: true } : {}),
  }),
  disconnect: (m: Wire.DisconnectRequest__Output): DisconnectInput => ({
    ...withOpt('user', opt(m.user)),
    ...withOpt('conn', opt(m.conn)),
    ...withOpt('code', opt(m.code)),
    ...withOpt('reason', opt(m.reason)),
  }),
  rooms: (m: Wire.RoomsRequest__Output): RoomsInput => ({
    ...withOpt('cursor', opt(m.cursor)),
    ...withOpt('limit', opt(m.limit)),
  }),
  revokeToken: (m: Wire.RevokeTokenRequest__Output): RevokeTokenInput => ({
    jti: m.jti,
    ...withOpt('until', opt(m.untilMs)),
  }),
  revokeUser: (m: Wire.RevokeUserRequest__Output): RevokeUserInput => ({
    user: m.user,
    ...withOpt('issuedBefore', opt(m.issuedBeforeMs)),
  }),
};

export const toWire = {
  publish: (r: PublishResult): Wire.PublishReply => ({ ...r }),
  broadcast: (results: BroadcastRoomResult[]): Wire.BroadcastReply => ({
    results: results.map((r) =>
      r.ok
        ? {
            room: r.room,
            offset: r.offset,
            epoch: r.epoch,
            duplicate: r.duplicate,
            errorCode: 0,
            errorMessage: '',
          }
        : {
            room: r.room,
            offset: 0,
            epoch: '',
            duplicate: false,
            errorCode: r.code,
            errorMessage: r.message,
          },
    ),
  }),
  presence: (members: Member[]): Wire.PresenceReply => ({
    members: members.map((m) => ({
      user: m.user,
      conn: m.conn,
      metaJson: m.meta ? JSON.stringify(m.meta) : '',
    })),
  }),
  presenceStats: (s: PresenceStats): Wire.PresenceStatsReply => ({ ...s }),
  history: (h: HistoryResult): Wire.HistoryReply => ({
    offset: h.offset,
    epoch: h.epoch,
    messages: h.messages.map((m) => ({
      offset: m.offset,
      event: m.event,
      dataJson: dataJson(m.data),
      fromUser: m.from.user,
      fromConn: m.from.conn,
      ts: m.ts,
    })),
  }),
  rooms: (page: RoomsPage): Wire.RoomsReply => ({ rooms: page.rooms, nextCursor: page.nextCursor ?? '' }),
  info: (info: InfoResult): Wire.InfoReply => info,
  revokeToken: (r: RevokeTokenResult): Wire.RevokeTokenReply => ({ untilMs: r.until }),
  revokeUser: (r: RevokeUserResult): Wire.RevokeUserReply => ({ issuedBeforeMs: r.issuedBefore }),
};

// ---- client side: API input → proto request, proto reply → API result ------------------------

export const requestToWire = {
  publish: (i: PublishInput): Wire.PublishRequest => ({
    room: i.room,
    event: i.event,
    dataJson: dataJson(i.data),
    idempotencyKey: i.key ?? '',
    from: i.from ?? '',
  }),
  broadcast: (i: BroadcastInput): Wire.BroadcastRequest => ({
    rooms: i.rooms,
    event: i.event,
    dataJson: dataJson(i.data),
    idempotencyKey: i.key ?? '',
    from: i.from ?? '',
  }),
  publishToUser: (i: PublishToUserInput): Wire.PublishToUserRequest => ({
    user: i.user,
    event: i.event,
    dataJson: dataJson(i.data),
  }),
  history: (i: HistoryInput): Wire.HistoryRequest => ({
    room: i.room,
    since: i.since ? { offset: i.since.offset, epoch: i.since.epoch } : null,
    limit: i.limit ?? 0,
    reverse: i.reverse ?? false,
  }),
  disconnect: (i: DisconnectInput): Wire.DisconnectRequest => ({
    user: i.user ?? '',
    conn: i.conn ?? '',
    code: i.code ?? 0,
    reason: i.reason ?? '',
  }),
  subscribe: (i: SubscribeInput): Wire.SubscribeRequest => ({ user: i.user, room: i.room }),
  rooms: (i: RoomsInput): Wire.RoomsRequest => ({ cursor: i.cursor ?? '', limit: i.limit ?? 0 }),
  revokeToken: (i: RevokeTokenInput): Wire.RevokeTokenRequest => ({ jti: i.jti, untilMs: i.until ?? 0 }),
  revokeUser: (i: RevokeUserInput): Wire.RevokeUserRequest => ({
    user: i.user,
    issuedBeforeMs: i.issuedBefore ?? 0,
  }),
};

export const replyFromWire = {
  publish: (m: Wire.PublishReply__Output): PublishResult => ({
    offset: Number(m.offset),
    epoch: m.epoch,
    duplicate: m.duplicate,
  }),
  broadcast: (m: Wire.BroadcastReply__Output): BroadcastRoomResult[] =>
    m.results.map((r) =>
      r.errorCode === 0
        ? { room: r.room, ok: true, offset: Number(r.offset), epoch: r.epoch, duplicate: r.duplicate }
        : { room: r.room, ok: false, code: r.errorCode, message: r.errorMessage },
    ),
  presence: (m: Wire.PresenceReply__Output): Member[] =>
    m.members.map((x) =>
      x.metaJson
        ? { user: x.user, conn: x.conn, meta: JSON.parse(x.metaJson) as JsonObject }
        : { user: x.user, conn: x.conn },
    ),
  presenceStats: (m: Wire.PresenceStatsReply__Output): PresenceStats => ({
    connections: m.connections,
    users: m.users,
  }),
  history: (m: Wire.HistoryReply__Output): HistoryResult => ({
    offset: Number(m.offset),
    epoch: m.epoch,
    messages: m.messages.map((x) => ({
      offset: Number(x.offset),
      event: x.event,
      data: x.dataJson === '' ? null : (JSON.parse(x.dataJson) as JsonValue),
      from: { user: x.fromUser, conn: x.fromConn },
      ts: Number(x.ts),
    })),
  }),
  rooms: (m: Wire.RoomsReply__Output): RoomsPage => ({
    rooms: m.rooms.map((r) => ({ room: r.room, connections: r.connections, users: r.users })),
    ...(m.nextCursor ? { nextCursor: m.nextCursor } : {}),
  }),
  info: (m: Wire.InfoReply__Output): InfoResult => ({
    nodes: m.nodes.map((n) => ({
      ...n,
      startedAt: Number(n.startedAt),
      lastSeen: Number(n.lastSeen),
    })),
    connections: m.connections,
    answeredBy: m.answeredBy,
  }),
  revokeToken: (m: Wire.RevokeTokenReply__Output): RevokeTokenResult => ({ until: Number(m.untilMs) }),
  revokeUser: (m: Wire.RevokeUserReply__Output): RevokeUserResult => ({
    issuedBefore: Number(m.issuedBeforeMs),
  }),
};

function withOpt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

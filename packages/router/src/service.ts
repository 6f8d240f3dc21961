import {
  type Bus,
  DeliveryHeaders,
  encodeJson,
  encodeText,
  type LifecycleKind,
  RemoteError,
  type RpcBody,
  type RpcMetrics,
  Subjects,
  type Subscription,
  serve,
} from '@switchboard/bus';
import { ErrorCode, type JsonValue, type Sender } from '@switchboard/protocol';
import type { AppendOptions, AppendRateLimit, HistoryStore } from '@switchboard/stores';
import { type Logger, traceHeaders } from '@switchboard/telemetry';
import { messageBody, messageFrame } from './messages.js';
import { RouterRpc } from './rpc.js';
import type { HistoryReply, JoinReply, PublishReply } from './types.js';

export interface RouterOptions {
  /** Entries kept per room; recovery never asks for more. */
  historySize: number;
  /** Per-user publish rate across every edge (0 = unlimited). */
  userPublishRate: number;
  userPublishBurst: number;
  /** Lifecycle events on: `publish` among them = `sb.events.publish` for every accepted message. */
  lifecycleEvents: readonly LifecycleKind[];
  /**
   * An append that took longer than this (ms) is checked against the room's current epoch before
   * it is published (see `assertEpochCurrent`). Default 250.
   */
  epochRecheckAfterMs?: number;
}

/** Far above a healthy append (well under 10 ms), below the time a stall takes to matter. */
export const DEFAULT_EPOCH_RECHECK_AFTER_MS = 250;
/** What the router reports to metrics (the process supplies it; absent in unit tests). */
export interface RouterMetrics extends RpcMetrics {
  /** A publish reached history: stored (a new offset) or a duplicate idempotency key; `trimmed` when the oldest entry fell out. */
  historyAppended(result: 'stored' | 'duplicate', trimmed: boolean): void;
  /** A join with a position: `recovered`, or `unrecovered` with why (`epoch`, `trimmed`, `ahead`; `none` when recovered). */
  recovery(outcome: 'recovered' | 'unrecovered', reason: string): void;
}

/**
 * The router owns rooms: it assigns offsets (through the
 * history store, atomically with the append), publishes each accepted message once to the
 * room's delivery subject as a ready-to-send client frame, and answers recovery.
 */
export function startRouterService(deps: {
  bus: Bus;
  /** Also holds the per-user publish buckets: taken from in the same call as the append. */
  history: HistoryStore;
  options: RouterOptions;
  log: Logger;
  metrics?: RouterMetrics;
}): { stop(): void } {
  const { bus, history, log, metrics } = deps;
  const options = { epochRecheckAfterMs: DEFAULT_EPOCH_RECHECK_AFTER_MS, ...deps.options };
  const publishEvents = options.lifecycleEvents.includes('publish');

  async function publish(req: RpcBody<typeof RouterRpc.publish>): Promise<PublishReply> {
    // Rate 0 is unlimited: no bucket at all.
    const rateLimit =
      options.userPublishRate > 0
        ? { key: `pub:${req.user}`, rate: options.userPublishRate, burst: options.userPublishBurst }
        : undefined;
    const from = { user: req.user, conn: req.conn };
    return accept(req.room, req.event, req.data as JsonValue, from, req.key, rateLimit);
  }

  /**
   * Appends (offset assigned atomically with it) and publishes the frame once to the room. With a
   * `rateLimit`, the store takes the sender's token first (in the same round trip where it can)
   * and appends nothing when the bucket is empty.
   */
  async function accept(
    room: string,
    event: string,
    data: JsonValue,
    from: Sender,
    key: string | undefined,
    rateLimit?: AppendRateLimit,
  ): Promise<PublishReply> {
    const ts = Date.now();
    const stored = messageBody(event, data, from, ts);
    const started = performance.now();
    const appendOptions: AppendOptions = {};
    // Keys are scoped by sender so one user cannot suppress another's message by reusing its key.
    if (key !== undefined) appendOptions.idempotencyKey = scopedIdempotencyKey(from.user, key);
    if (rateLimit !== undefined) appendOptions.rateLimit = rateLimit;
    const appended = await history.append(room, stored, appendOptions);
    if ('limited' in appended) {
      throw new RemoteError(ErrorCode.RateLimited, 'publish rate limit reached', appended.retryAfterMs);
    }
    await assertEpochCurrent(room, appended.epoch, started);
    metrics?.historyAppended(
      appended.duplicate ? 'duplicate' : 'stored',
      !appended.duplicate && appended.offset > options.historySize,
    );
    if (appended.duplicate) return { offset: appended.offset, epoch: appended.epoch, duplicate: true };
    bus.publish(
      Subjects.room(room),
      encodeText(messageFrame(room, appended.epoch, appended.offset, stored)),
      {
        headers: {
          ...traceHeaders(),
          [DeliveryHeaders.kind]: 'msg',
          [DeliveryHeaders.offset]: String(appended.offset),
          [DeliveryHeaders.epoch]: appended.epoch,
          [DeliveryHeaders.ts]: String(ts),
        },
      },
    );
    if (publishEvents) {
      const record = {
        type: 'publish',
        ts,
        room,
        offset: appended.offset,
        epoch: appended.epoch,
        event,
        ...from,
      };
      bus.publish(Subjects.event('publish'), encodeJson(record));
    }
    return { offset: appended.offset, epoch: appended.epoch };
  }

  /**
   * Fencing: a publish must not go out, nor be acknowledged, in an epoch that was replaced
   * while this router was not looking (stalled by SIGSTOP, a GC pause or a partition across
   * the loss of the room's stream). An append answered promptly cannot have been overtaken
   * in any way that matters: edges drop deliveries of an epoch older than the one they are on.
   * A slow one is checked against the room's current epoch; if that changed (or the check is
   * slow too), the publish is dropped and the sender gets a temporary error: its retry with
   * the same idempotency key lands in the current epoch.
   */
  async function assertEpochCurrent(room: string, epoch: string, started: number): Promise<void> {
    if (performance.now() - started <= options.epochRecheckAfterMs) return;
    const checked = performance.now();
    const current = await history.read(room, { limit: 0 });
    if (current.epoch === epoch && performance.now() - checked <= options.epochRecheckAfterMs) return;
    log.warn({ room, epoch, current: current.epoch }, 'append to a replaced epoch not published');
    throw new RemoteError(
      ErrorCode.Unavailable,
      `room "${room}" moved to another epoch during the publish: retry`,
    );
  }

  /** Internal services publishing to a room (trusted: NATS permissions guard the subject). */
  async function apiPublish(req: RpcBody<typeof RouterRpc.apiPublish>): Promise<PublishReply> {
    return accept(
      req.room,
      req.event,
      req.data as JsonValue,
      { user: req.from ?? '@server', conn: '' },
      req.key,
    );
  }

  /** Internal services notifying every connection of a user, on whichever edges they are. */
  async function apiUser(req: RpcBody<typeof RouterRpc.apiUser>): Promise<Record<string, never>> {
    const frame = JSON.stringify({ t: 'user', event: req.event, data: req.data ?? null, ts: Date.now() });
    bus.publish(Subjects.user(req.user), encodeText(frame), { headers: { [DeliveryHeaders.kind]: 'user' } });
    return {};
  }

  async function join(req: RpcBody<typeof RouterRpc.join>): Promise<JoinReply> {
    if (!req.since) {
      const position = await history.read(req.room, { limit: 0 });
      return { room: req.room, offset: position.offset, epoch: position.epoch };
    }
    const since = req.since;
    const read = await history.read(req.room, { since: since.offset, limit: options.historySize });
    const base = { room: req.room, offset: read.offset, epoch: read.epoch };
    const missed = read.offset - since.offset;
    // Recovery is all or nothing: same epoch, and every missed offset still in history.
    const complete =
      read.epoch === since.epoch &&
      missed >= 0 &&
      read.entries.length === missed &&
      (missed === 0 || read.entries[0]?.offset === since.offset + 1);
    if (!complete) {
      metrics?.recovery(
        'unrecovered',
        read.epoch !== since.epoch ? 'epoch' : missed < 0 ? 'ahead' : 'trimmed',
      );
      return { ...base, recovered: false };
    }
    metrics?.recovery('recovered', 'none');
    return {
      ...base,
      recovered: true,
      messages: read.entries.map((e) => messageFrame(req.room, read.epoch, e.offset, e.payload)),
    };
  }

  async function readHistory(req: RpcBody<typeof RouterRpc.history>): Promise<HistoryReply> {
    const limit = Math.min(req.limit ?? 100, Math.max(options.historySize, 1));
    const page = (since?: number) =>
      history.read(req.room, {
        limit,
        ...(since !== undefined ? { since } : {}),
        ...(req.reverse ? { reverse: true } : {}),
      });
    let read = await page(req.since?.offset);
    // An offset from another epoch means nothing in this one: read from the start instead.
    if (req.since && req.since.epoch !== read.epoch) read = await page();
    return {
      offset: read.offset,
      epoch: read.epoch,
      messages: read.entries.map((e) => messageFrame(req.room, read.epoch, e.offset, e.payload)),
    };
  }

  const subs: Subscription[] = [
    serve(bus, RouterRpc.publish, publish, log, metrics),
    serve(bus, RouterRpc.join, join, log, metrics),
    serve(bus, RouterRpc.history, readHistory, log, metrics),
    serve(bus, RouterRpc.apiPublish, apiPublish, log, metrics),
    serve(bus, RouterRpc.apiUser, apiUser, log, metrics),
  ];
  log.info('router service ready');
  return {
    stop: () => {
      for (const s of subs) s.unsubscribe();
    },
  };
}

/**
 * Keys are scoped by sender so one user cannot suppress another's message by reusing its key.
 * The user is length-prefixed: `pat` + `x:k1` and `pat:x` + `k1` must not meet.
 */
export function scopedIdempotencyKey(user: string, key: string): string {
  return `${user.length}:${user}:${key}`;
}

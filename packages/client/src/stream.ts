import {
  compareEpochs,
  type HistoryResult,
  type JoinResult,
  type MessagePush,
  type Position,
} from '@switchboard/protocol';

/**
 * Why a room's stream has a hole the SDK could not fill:
 * - `history_gap`: the server no longer has every missed message (join said `recovered: false`,
 *   or a history read came back short);
 * - `epoch_changed`: the room's stream was lost on the server and offsets restarted.
 */
export type UnrecoveredReason = 'history_gap' | 'epoch_changed';

export type StreamOutput =
  | { kind: 'message'; message: MessagePush }
  | { kind: 'unrecovered'; reason: UnrecoveredReason; position: Position };

export const DEFAULT_MAX_HELD = 1000;

/**
 * One room's delivery order. Offsets increase by exactly one per room and epoch, so "deliver
 * once, in order" needs only the last delivered offset: anything at or below it is a duplicate,
 * the next one is delivered, and anything further ahead is held (bounded) until the hole is
 * filled from history or declared lost.
 *
 * When the epoch changes (the server lost the room's stream), the new epoch is read from its
 * start: every message of the new epoch is still unseen by this client. Epochs are ordered
 * (`compareEpochs`): a push, join reply or history page from an epoch older than the current
 * one is late news from a stream already replaced, and is ignored — the stream never goes back.
 */
export class RoomStream {
  readonly #maxHeld: number;
  #position: Position | undefined;
  readonly #held = new Map<number, MessagePush>();
  /** The highest offset known to exist in the current epoch (join replies, pushes). */
  #head = 0;
  /** Pushes dropped as already delivered; exposed for tests and debugging. */
  duplicates = 0;
  /** Pushes, join replies and history pages ignored as from an older epoch; for tests and debugging. */
  stale = 0;

  constructor(maxHeld = DEFAULT_MAX_HELD) {
    this.#maxHeld = Math.max(1, maxHeld);
  }

  /** The last delivered message's offset and epoch; `undefined` before the first join. */
  get position(): Position | undefined {
    return this.#position ? { ...this.#position } : undefined;
  }

  /** The first offset not delivered although later ones exist; `undefined` when nothing is missing. */
  get missingFrom(): number | undefined {
    const position = this.#position;
    if (!position) return undefined;
    return this.#held.size > 0 || this.#head > position.offset ? position.offset + 1 : undefined;
  }

  /** The highest offset known to exist (for sizing the history read that fills a hole). */
  get head(): number {
    let max = this.#head;
    for (const offset of this.#held.keys()) if (offset > max) max = offset;
    return max;
  }

  get heldCount(): number {
    return this.#held.size;
  }

  /** The reply to a join that asked for `asked` (undefined: a first join, nothing to recover). */
  applyJoin(result: JoinResult, asked: Position | undefined): StreamOutput[] {
    if (this.isStale(result.epoch)) {
      // Computed before the room's stream was replaced (a stalled server): it says nothing about
      // the current epoch. Live pushes and gap fills carry on from our position.
      this.stale += 1;
      return [];
    }
    this.#held.clear();
    this.#head = result.offset;
    const out: StreamOutput[] = [];
    const fresh: Position = { offset: result.offset, epoch: result.epoch };
    if (!asked || !this.#position) {
      this.#position = fresh;
      return out;
    }
    if (result.epoch !== this.#position.epoch) {
      // Whatever the old epoch held after our position is gone; the new one is read from its
      // start (the caller fills the hole up to result.offset from history).
      this.#position = { offset: 0, epoch: result.epoch };
      out.push({
        kind: 'unrecovered',
        reason: 'epoch_changed',
        position: { offset: 0, epoch: result.epoch },
      });
      return out;
    }
    if (result.recovered === false) {
      this.#position = fresh;
      out.push({ kind: 'unrecovered', reason: 'history_gap', position: { ...fresh } });
      return out;
    }
    for (const message of sortByOffset(result.messages ?? [])) this.#accept(message, out);
    // `recovered: true` promises every message up to result.offset; if some were still missing,
    // say so instead of waiting for messages that will never come as live pushes.
    if (this.#position.offset < result.offset) this.#skipTo(result.offset, fresh.epoch, out);
    this.#held.clear();
    return out;
  }

  /** A live `msg` push. */
  applyPush(message: MessagePush): StreamOutput[] {
    const out: StreamOutput[] = [];
    this.#accept(message, out);
    if (this.#held.size > this.#maxHeld) {
      // The hole is not being filled fast enough: give up on it rather than hold without bound.
      this.#skipTo(this.#lowestHeld() - 1, this.#position?.epoch ?? message.epoch, out);
    }
    return out;
  }

  /**
   * The reply to a history read (`since` = position, at most `limit` messages) made to fill a
   * hole. A full page that made progress leaves the rest for the next read; otherwise whatever
   * is still missing is not coming back and is skipped with an `unrecovered` output.
   */
  applyGapFill(result: HistoryResult, limit: number): StreamOutput[] {
    const out: StreamOutput[] = [];
    if (this.isStale(result.epoch)) {
      // A page of a replaced stream: no reason to declare anything of the current one lost.
      this.stale += 1;
      return out;
    }
    const before = this.#position?.offset ?? 0;
    for (const message of sortByOffset(result.messages)) this.#accept(message, out);
    const position = this.#position;
    if (!position || this.missingFrom === undefined) return out;
    if (result.messages.length >= limit && position.offset > before) return out;
    const resumeAt = this.#held.size > 0 ? this.#lowestHeld() - 1 : this.#head;
    this.#skipTo(resumeAt, position.epoch, out);
    return out;
  }

  /** True when `epoch` is older than the epoch this stream is on (its news is outdated). */
  isStale(epoch: string): boolean {
    const position = this.#position;
    return position !== undefined && compareEpochs(position.epoch, epoch) === 'older';
  }

  /** The connection dropped: held messages come back through the rejoin's recovery. */
  dropHeld(): void {
    this.#held.clear();
  }

  #accept(message: MessagePush, out: StreamOutput[]): void {
    const position = this.#position;
    if (!position) {
      this.#position = { offset: message.offset, epoch: message.epoch };
      out.push({ kind: 'message', message });
      return;
    }
    const order = compareEpochs(position.epoch, message.epoch);
    if (order === 'older') {
      this.stale += 1;
      return;
    }
    if (order === 'newer') {
      // Offsets restarted on the server; whatever we held belongs to the old numbering. The
      // new epoch is read from its start, so this push is held if earlier ones exist.
      this.#held.clear();
      this.#head = 0;
      this.#position = { offset: 0, epoch: message.epoch };
      out.push({
        kind: 'unrecovered',
        reason: 'epoch_changed',
        position: { offset: 0, epoch: message.epoch },
      });
      this.#accept(message, out);
      return;
    }
    if (message.offset > this.#head) this.#head = message.offset;
    if (message.offset <= position.offset || this.#held.has(message.offset)) {
      this.duplicates += 1;
      return;
    }
    if (message.offset > position.offset + 1) {
      this.#held.set(message.offset, message);
      return;
    }
    position.offset = message.offset;
    out.push({ kind: 'message', message });
    this.#drainHeld(out);
  }

  #drainHeld(out: StreamOutput[]): void {
    const position = this.#position;
    if (!position) return;
    for (let next = this.#held.get(position.offset + 1); next; next = this.#held.get(position.offset + 1)) {
      this.#held.delete(next.offset);
      position.offset = next.offset;
      out.push({ kind: 'message', message: next });
    }
  }

  /** Declares everything up to `offset` lost, then delivers what is held after it. */
  #skipTo(offset: number, epoch: string, out: StreamOutput[]): void {
    this.#position = { offset, epoch };
    for (const held of this.#held.keys()) if (held <= offset) this.#held.delete(held);
    out.push({ kind: 'unrecovered', reason: 'history_gap', position: { offset, epoch } });
    this.#drainHeld(out);
  }

  #lowestHeld(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const offset of this.#held.keys()) if (offset < min) min = offset;
    return min;
  }
}

function sortByOffset(messages: readonly MessagePush[]): MessagePush[] {
  return [...messages].sort((a, b) => a.offset - b.offset);
}

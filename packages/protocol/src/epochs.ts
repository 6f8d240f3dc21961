/**
 * Epoch ordering. A room's epoch names one numbering of its offsets; it changes when the
 * server lost the room's stream. Epochs created by this version are `<generation>-<random>`:
 * the generation is a whole number that only grows (microseconds from the store's clock, never
 * below the last one the store saw), so "which epoch is newer" has an answer. An epoch in any
 * other format (created by an older server) has generation 0: older than every generated one.
 */

const GENERATION = /^(\d{1,16})-/;

/** The epoch's generation; 0 when it has none (an older server's epoch). */
export function epochGeneration(epoch: string): number {
  const match = GENERATION.exec(epoch);
  return match ? Number(match[1]) : 0;
}

/**
 * How `incoming` relates to `current`: the same epoch, a newer one (follow it), or an older one
 * (a late delivery from a stream that was already replaced: ignore it). Two different epochs
 * with the same generation (two older-format epochs) cannot be ordered and count as newer, as
 * any different epoch did before generations existed.
 */
export function compareEpochs(current: string, incoming: string): 'same' | 'newer' | 'older' {
  if (incoming === current) return 'same';
  return epochGeneration(incoming) < epochGeneration(current) ? 'older' : 'newer';
}

import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random bytes drawn in blocks: one CSPRNG call per 256 ids of 16 characters, not one per id. */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** A random base62 id; 16 characters carry ~95 bits, enough to be unguessable. */
export function randomId(length = 16): string {
  if (length > pool.length) throw new RangeError(`randomId: length ${length} above ${pool.length}`);
  if (used + length > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let out = '';
  for (let i = used; i < used + length; i++) out += ALPHABET[pool[i]! % 62];
  used += length;
  return out;
}

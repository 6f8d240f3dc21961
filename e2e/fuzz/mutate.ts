/**
 * Seeded mutation of requests for the fuzz tests: a small PRNG (mulberry32) so a failing run
 * is reproduced by its seed, and mutators at two levels — JSON values (wrong types, missing
 * fields, deep nesting, odd strings, broken tokens) and raw text/bytes (flips, cuts, inserts).
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;

const ODD_STRINGS = [
  '',
  ' ',
  '*',
  '{user}',
  'dm:{user}',
  'a'.repeat(129),
  'x'.repeat(5000),
  'chat:lobby',
  'chat:*',
  '\u0000',
  '\ud800',
  '😀',
  '__proto__',
  'constructor',
  'sb.room.>',
  '../../etc',
  'a.b',
  '%00',
  '9007199254740993',
];

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** Tokens that are not quite tokens: each must be refused as 1100, never as an internal error. */
export function brokenToken(rng: Rng, good: string): string {
  const [h = '', p = '', s = ''] = good.split('.');
  switch (int(rng, 10)) {
    case 0:
      return `${h}.${b64('{not json')}.${s}`;
    case 1:
      return `${b64('{not json')}.${p}.${s}`;
    case 2:
      return `${h}.${b64('null')}.${s}`;
    case 3:
      return `${b64('{"alg":42}')}.${p}.${s}`;
    case 4:
      return `${h}.${b64(JSON.stringify({ sub: pick(rng, ODD_STRINGS), exp: 1e12 }))}.${s}`;
    case 5:
      return `${h}.${p}`;
    case 6:
      return flipChars(rng, good);
    case 7:
      return `${b64('{"alg":"none"}')}.${p}.`;
    case 8:
      return `${h}.${b64('['.repeat(10_000))}.${s}`;
    default:
      return good.slice(0, int(rng, good.length));
  }
}

export function randomValue(rng: Rng, depth = 0): unknown {
  switch (int(rng, depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
      return pick(rng, [0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
    case 4:
      return pick(rng, ODD_STRINGS);
    case 5:
      return int(rng, 1000);
    case 6:
      return Array.from({ length: int(rng, 4) }, () => randomValue(rng, depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: int(rng, 4) }, () => [pick(rng, ODD_STRINGS), randomValue(rng, depth + 1)]),
      );
    default:
      // Deeper nesting is sent as text (JSON.stringify itself recurses).
      return nested(int(rng, 3) === 0 ? 63 + int(rng, 3) : 100 + int(rng, 1_500));
  }
}

/** `[[[0]]]` nested `depth` levels, as JSON text. */
export function nestedText(depth: number): string {
  return `${'['.repeat(depth)}0${']'.repeat(depth)}`;
}

/** `[[[…]]]` as a value, built without recursion. */
export function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A JSON-level mutation of an object: a field changed, removed or added. */
export function mutateObject(rng: Rng, base: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const keys = Object.keys(out);
  const times = 1 + int(rng, 3);
  for (let i = 0; i < times; i++) {
    const action = int(rng, 4);
    if (action === 0 && keys.length > 0) delete out[pick(rng, keys)];
    else if (action === 1) out[pick(rng, [...keys, ...ODD_STRINGS])] = randomValue(rng);
    else if (keys.length > 0) out[pick(rng, keys)] = randomValue(rng);
  }
  return out;
}

export function flipChars(rng: Rng, text: string): string {
  if (text.length === 0) return pick(rng, ['{', '[', '"', '\\']);
  const chars = [...text];
  const times = 1 + int(rng, 4);
  for (let i = 0; i < times; i++) {
    const at = int(rng, chars.length);
    switch (int(rng, 4)) {
      case 0:
        chars[at] = String.fromCharCode(int(rng, 128));
        break;
      case 1:
        chars.splice(at, 1);
        break;
      case 2:
        chars.splice(at, 0, pick(rng, ['{', '[', '"', '\\', ',', ':', '}', ']', '\\u', '1e999']));
        break;
      default:
        chars.length = at;
    }
  }
  return chars.join('');
}

export function mutateBytes(rng: Rng, bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  if (out.length === 0) return Buffer.from([int(rng, 256)]);
  const times = 1 + int(rng, 4);
  let result = out;
  for (let i = 0; i < times; i++) {
    const at = int(rng, result.length);
    switch (int(rng, 3)) {
      case 0:
        result[at] = int(rng, 256);
        break;
      case 1:
        result = result.subarray(0, at);
        break;
      default:
        result = Buffer.concat([result.subarray(0, at), Buffer.from([int(rng, 256)]), result.subarray(at)]);
    }
    if (result.length === 0) break;
  }
  return result;
}

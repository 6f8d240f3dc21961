import * as v from 'valibot';

/**
 * Schemas for one environment variable's text: each turns the raw string into the setting's
 * value, and its message says what a good value looks like (shown after `SB_X="…"`).
 */
export type ValueSchema<T> = v.GenericSchema<string, T>;

export function wholeNumber(min: number, max: number): ValueSchema<number> {
  return v.pipe(
    v.string(),
    v.check((raw) => /^-?\d+$/.test(raw.trim()), `must be a whole number from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `must be from ${min} to ${max}`),
    v.maxValue(max, `must be from ${min} to ${max}`),
  );
}

export const port: ValueSchema<number> = wholeNumber(0, 65_535);

/** A port, or nothing when empty (the feature is off). */
export const optionalPort: ValueSchema<number | undefined> = v.pipe(
  v.string(),
  v.check((raw) => raw.trim() === '' || /^\d+$/.test(raw.trim()), 'must be a port from 0 to 65535, or empty'),
  v.transform((raw) => (raw.trim() === '' ? undefined : Number(raw.trim()))),
  v.check((n) => n === undefined || n <= 65_535, 'must be a port from 0 to 65535, or empty'),
);

export function oneOf<const T extends string>(...values: readonly T[]): ValueSchema<T> {
  return v.picklist(values, `must be one of: ${values.join(', ')}`);
}

export const boolean: ValueSchema<boolean> = v.pipe(
  v.picklist(['true', '1', 'false', '0'], 'must be true or false'),
  v.transform((raw) => raw === 'true' || raw === '1'),
);

/** `true`/`false`, or blank for "not set" (the setting's default then depends on other settings). */
export const optionalBoolean: ValueSchema<boolean | undefined> = v.pipe(
  v.picklist(['true', '1', 'false', '0', ''], 'must be true or false (or empty for the default)'),
  v.transform((raw) => (raw === '' ? undefined : raw === 'true' || raw === '1')),
);

/**
 * Which of `kinds` are on: a comma-separated list of them, or `true` (or 1) for all, `false`
 * (0) or `none` for none. The result keeps the order of `kinds`, each once; an unknown kind is
 * named in the message.
 */
export function kindsOf<const T extends string>(kinds: readonly T[]): ValueSchema<T[]> {
  const allowed = `must be true (all), false or none, or some of: ${kinds.join(', ')} (comma-separated)`;
  const isKind = (part: string): part is T => (kinds as readonly string[]).includes(part);
  return v.pipe(
    v.string(),
    v.transform((raw) => splitList(raw.toLowerCase())),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const parts = dataset.value;
      if (parts.length === 1 && ['true', '1', 'false', '0', 'none'].includes(parts[0]!)) return;
      const unknown = parts.filter((part) => !isKind(part));
      if (parts.length === 0) addIssue({ message: allowed });
      else if (unknown.length > 0)
        addIssue({ message: `has unknown ${unknown.map((u) => `"${u}"`).join(', ')}: ${allowed}` });
    }),
    v.transform((parts) => {
      if (parts.length === 1 && (parts[0] === 'true' || parts[0] === '1')) return [...kinds];
      return kinds.filter((kind) => parts.includes(kind));
    }),
  );
}

/** Comma-separated; blanks dropped. */
export const list: ValueSchema<string[]> = v.pipe(v.string(), v.transform(splitList));

export const text: ValueSchema<string> = v.string();

/** Comma-separated `host:port` pairs (e.g. Redis Cluster seed nodes or Sentinels); blank is an empty list. */
export const hostPorts: ValueSchema<string[]> = v.pipe(
  v.string(),
  v.transform(splitList),
  v.check(
    (parts) => parts.every((part) => /^[^\s:,]+:\d{1,5}$/.test(part) && Number(part.split(':')[1]) <= 65_535),
    'must be host:port pairs, comma-separated (example: 10.0.0.1:6379,10.0.0.2:6379)',
  ),
);

/** Trimmed; blank means "not set". */
export const optionalText: ValueSchema<string | undefined> = v.pipe(
  v.string(),
  v.transform((raw) => (raw.trim() === '' ? undefined : raw.trim())),
);

/** One URL or several, comma-separated, each with one of `protocols` (e.g. `nats:`). */
export function urls(protocols: readonly [string, ...string[]]): ValueSchema<string> {
  return v.pipe(
    v.string(),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      for (const part of splitList(dataset.value)) {
        let parsed: URL;
        try {
          parsed = new URL(part);
        } catch {
          const shown = part.replace(/\/\/([^/@:]*):[^/@]*@/g, '//$1:***@');
          addIssue({ message: `"${shown}" is not a URL (example: ${protocols[0]}//127.0.0.1)` });
          return;
        }
        if (!protocols.includes(parsed.protocol)) {
          addIssue({ message: `must use ${protocols.join(' or ')}` });
          return;
        }
      }
    }),
  );
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Comma-separated HTTPS URLs; blanks dropped. */
export const httpsUrlList: ValueSchema<string[]> = v.pipe(
  v.string(),
  v.transform(splitList),
  v.check(
    (parts) =>
      parts.every((part) => {
        try {
          return new URL(part).protocol === 'https:';
        } catch {
          return false;
        }
      }),
    'must be https:// URLs, comma-separated',
  ),
);

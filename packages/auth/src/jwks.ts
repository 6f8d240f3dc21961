import { createPublicKey, type KeyObject } from 'node:crypto';
import { get } from 'node:https';
import type { Logger } from '@switchboard/telemetry';

/** Algorithms a JWKS key may be pinned to (what Node verifies natively). */
export type JwksAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface JwksKey {
  kid: string;
  alg: JwksAlgorithm;
  key: KeyObject;
}

export interface JwksOptions {
  /** HTTPS URLs of the key sets (several: e.g. during a provider migration). */
  urls: readonly string[];
  /** Extra trusted CA certificates (PEM), for a provider behind a private CA. */
  ca?: string;
  /** Used when a response has no `Cache-Control: max-age` (default 10 min). */
  defaultMaxAgeMs?: number;
  /** Bounds on the provider's max-age (defaults 30 s and 24 h). */
  minMaxAgeMs?: number;
  maxMaxAgeMs?: number;
  /** At most one fetch per URL this often on an unknown `kid` (default 30 s): no fetch storm. */
  unknownKidCooldownMs?: number;
  /** Retry delay after a failed fetch (default 15 s). */
  retryMs?: number;
  fetchTimeoutMs?: number;
  log: Logger;
}

interface Source {
  url: string;
  keys: Map<string, JwksKey>;
  /** When the cached keys should be refreshed (they stay in use after, until replaced). */
  expiresAt: number;
  lastFetchAt: number;
  inFlight: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
}

const MAX_BODY_BYTES = 1_048_576;
const MAX_KEYS = 100;

/**
 * Signing keys published as JWKS by identity providers: fetched over HTTPS, selected by `kid`,
 * each pinned to one algorithm (the JWK's `alg`, or its type's: RSA → RS256, P-256 → ES256,
 * Ed25519 → EdDSA). Cached for the response's `Cache-Control: max-age` and refreshed in the
 * background before that; an unknown `kid` triggers at most one fetch per URL per cooldown.
 * When the provider is down, the cached keys keep serving; `problems()` reports only when no
 * key at all is usable.
 */
export class JwksKeySet {
  readonly #sources: Source[];
  readonly #options: Required<Omit<JwksOptions, 'ca' | 'log' | 'urls'>>;
  readonly #ca: string | undefined;
  readonly #log: Logger;
  #stopped = false;

  constructor(options: JwksOptions) {
    if (options.urls.length === 0) throw new Error('JwksKeySet needs at least one URL');
    for (const url of options.urls) {
      if (new URL(url).protocol !== 'https:') throw new Error(`JWKS URL must use https: ${url}`);
    }
    this.#sources = options.urls.map((url) => ({
      url,
      keys: new Map(),
      expiresAt: 0,
      lastFetchAt: 0,
      inFlight: undefined,
      timer: undefined,
      lastError: undefined,
    }));
    this.#options = {
      defaultMaxAgeMs: options.defaultMaxAgeMs ?? 600_000,
      minMaxAgeMs: options.minMaxAgeMs ?? 30_000,
      maxMaxAgeMs: options.maxMaxAgeMs ?? 86_400_000,
      unknownKidCooldownMs: options.unknownKidCooldownMs ?? 30_000,
      retryMs: options.retryMs ?? 15_000,
      fetchTimeoutMs: options.fetchTimeoutMs ?? 5_000,
    };
    this.#ca = options.ca;
    this.#log = options.log;
  }

  /** Fetches every key set once (failures are logged and retried in the background). */
  async start(): Promise<void> {
    await Promise.all(this.#sources.map((source) => this.#refresh(source)));
  }

  stop(): void {
    this.#stopped = true;
    for (const source of this.#sources) clearTimeout(source.timer);
  }

  /** The key for `kid`; an unknown `kid` re-fetches (at most once per cooldown per URL). */
  async keyFor(kid: string): Promise<JwksKey | undefined> {
    const known = this.#find(kid);
    if (known) return known;
    const now = Date.now();
    const due = this.#sources.filter(
      (source) => source.inFlight || now - source.lastFetchAt >= this.#options.unknownKidCooldownMs,
    );
    if (due.length === 0) return undefined;
    await Promise.all(due.map((source) => this.#refresh(source)));
    return this.#find(kid);
  }

  /** Why tokens from these providers cannot be verified: only when no key at all is loaded. */
  problems(): string[] {
    if (this.#sources.some((source) => source.keys.size > 0)) return [];
    const errors = this.#sources.map((s) => `${s.url}: ${s.lastError ?? 'not fetched yet'}`);
    return [`no usable JWKS key (${errors.join('; ')})`];
  }

  #find(kid: string): JwksKey | undefined {
    for (const source of this.#sources) {
      const key = source.keys.get(kid);
      if (key) return key;
    }
    return undefined;
  }

  /** One fetch per source at a time: concurrent callers share it. */
  #refresh(source: Source): Promise<void> {
    if (source.inFlight) return source.inFlight;
    source.lastFetchAt = Date.now();
    source.inFlight = this.#fetch(source).finally(() => {
      source.inFlight = undefined;
    });
    return source.inFlight;
  }

  async #fetch(source: Source): Promise<void> {
    let nextInMs: number;
    try {
      const { body, maxAgeMs } = await this.#download(source.url);
      source.keys = parseJwks(body, this.#log, source.url);
      const o = this.#options;
      const ttl = Math.min(o.maxMaxAgeMs, Math.max(o.minMaxAgeMs, maxAgeMs ?? o.defaultMaxAgeMs));
      source.expiresAt = Date.now() + ttl;
      source.lastError = undefined;
      // Refresh ahead of expiry, so a rotation published with the new max-age is picked up in time.
      nextInMs = Math.max(1_000, Math.floor(ttl * 0.8));
      this.#log.debug({ url: source.url, keys: source.keys.size, ttlMs: ttl }, 'JWKS fetched');
    } catch (error) {
      source.lastError = error instanceof Error ? error.message : String(error);
      // The cached keys (if any) keep serving until a fetch succeeds.
      this.#log.warn(
        { url: source.url, err: source.lastError, cached: source.keys.size },
        'JWKS fetch failed',
      );
      nextInMs = this.#options.retryMs;
    }
    if (this.#stopped) return;
    clearTimeout(source.timer);
    source.timer = setTimeout(() => void this.#refresh(source), nextInMs);
    source.timer.unref();
  }

  #download(url: string): Promise<{ body: unknown; maxAgeMs: number | undefined }> {
    return new Promise((resolve, reject) => {
      const req = get(
        url,
        {
          timeout: this.#options.fetchTimeoutMs,
          ...(this.#ca ? { ca: this.#ca } : {}),
          headers: { accept: 'application/json' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`HTTP ${res.statusCode}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error('JWKS response too large'));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            try {
              resolve({
                body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
                maxAgeMs: maxAge(res.headers['cache-control']),
              });
            } catch {
              reject(new Error('JWKS response is not JSON'));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('JWKS fetch timed out')));
      req.on('error', reject);
    });
  }
}

/** `max-age` of a Cache-Control header, in ms; `no-store`/`no-cache` mean "as short as allowed". */
export function maxAge(header: string | undefined): number | undefined {
  if (!header) return undefined;
  if (/\bno-(store|cache)\b/i.test(header)) return 0;
  const match = /\bmax-age=(\d+)/i.exec(header);
  return match ? Number(match[1]) * 1000 : undefined;
}

/** The signing keys of a JWKS document that can be used; the others are skipped (logged). */
export function parseJwks(body: unknown, log: Logger, url: string): Map<string, JwksKey> {
  const keys = new Map<string, JwksKey>();
  const list = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list)) throw new Error('JWKS has no "keys" array');
  for (const jwk of list.slice(0, MAX_KEYS)) {
    try {
      const key = toKey(jwk);
      if (key) keys.set(key.kid, key);
    } catch (error) {
      log.warn({ url, err: error instanceof Error ? error.message : String(error) }, 'JWKS key skipped');
    }
  }
  return keys;
}

function toKey(jwk: unknown): JwksKey | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const j = jwk as Record<string, unknown>;
  if (typeof j['kid'] !== 'string' || j['kid'] === '') return undefined;
  if (j['use'] !== undefined && j['use'] !== 'sig') return undefined;
  if ('d' in j) throw new Error(`key "${j['kid']}" is private: publish only public keys`);
  const key = createPublicKey({ key: j as import('node:crypto').JsonWebKey, format: 'jwk' });
  const alg = algorithmOf(key, j['kid'] as string);
  if (j['alg'] !== undefined && j['alg'] !== alg) {
    throw new Error(
      `key "${j['kid']}": alg ${String(j['alg'])} does not fit its key type (or is not accepted)`,
    );
  }
  return { kid: j['kid'] as string, alg, key };
}

function algorithmOf(key: KeyObject, kid: string): JwksAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`key "${kid}": RSA with ${bits} bits (2048 or more required)`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  throw new Error(`key "${kid}": unsupported key type ${key.asymmetricKeyType}`);
}

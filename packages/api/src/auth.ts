import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/protocol';
import { SwitchboardApiError } from './errors.js';

/**
 * API keys: several may be valid at once (rotation: add the new key, move clients, remove the
 * old one). A presented key is hashed and compared with every configured key's hash by
 * `timingSafeEqual` — equal lengths always, no early exit — so timing tells nothing about a key.
 */
export class ApiKeys {
  readonly #hashes: Buffer[];
  readonly #insecure: boolean;

  /** `insecure`: accept calls without a key (local development only). */
  constructor(keys: readonly string[], options: { insecure?: boolean } = {}) {
    this.#hashes = keys.map(hash);
    this.#insecure = options.insecure ?? false;
    if (this.#hashes.length === 0 && !this.#insecure) {
      throw new Error('the server API needs at least one API key (or insecure mode for development)');
    }
  }

  get insecure(): boolean {
    return this.#insecure;
  }

  /** Throws `NotAuthenticated` (gRPC UNAUTHENTICATED) unless the metadata carries a valid key. */
  check(metadata: Metadata): void {
    const presented = presentedKey(metadata);
    if (presented === undefined) {
      if (this.#insecure) return;
      throw new SwitchboardApiError(
        ErrorCode.NotAuthenticated,
        'missing API key: send metadata "authorization: Bearer <key>" or "x-api-key: <key>"',
      );
    }
    if (this.matches(presented)) return;
    if (this.#insecure && this.#hashes.length === 0) return;
    throw new SwitchboardApiError(ErrorCode.NotAuthenticated, 'invalid API key');
  }

  matches(key: string): boolean {
    const candidate = hash(key);
    let ok = false;
    for (const known of this.#hashes) ok = timingSafeEqual(candidate, known) || ok;
    return ok;
  }
}

function hash(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function presentedKey(metadata: Metadata): string | undefined {
  const auth = metadata.get('authorization')[0];
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1]!.trim();
  }
  const key = metadata.get('x-api-key')[0];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

import { type BucketState, takeTokens } from '@switchboard/protocol';
import type { RateLimitResult, RateLimitRule, RateLimitStore } from './rate-limit-store.js';

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets = new Map<string, BucketState>();
  readonly #maxKeys: number;
  readonly #now: () => number;

  /** `maxKeys` bounds memory: the least recently used bucket is forgotten (it refills, so this only errs lenient). */
  constructor(options: { maxKeys: number; now?: () => number }) {
    this.#maxKeys = options.maxKeys;
    this.#now = options.now ?? Date.now;
  }

  async consume(key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitResult> {
    const now = this.#now();
    let state = this.#buckets.get(key);
    if (state) this.#buckets.delete(key);
    else state = { tokens: rule.burst, at: now };
    this.#buckets.set(key, state);
    if (this.#buckets.size > this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    return takeTokens(state, rule, now, cost);
  }

  async close(): Promise<void> {
    this.#buckets.clear();
  }
}

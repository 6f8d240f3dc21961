/**
 * A token bucket, in plain numbers so it fits anywhere (a connection, a Redis hash, a browser
 * client): `rate` tokens per second refill a bucket of `burst`.
 */
export interface TokenBucketRule {
  rate: number;
  burst: number;
}

export interface TokenBucketResult {
  allowed: boolean;
  /** When the caller may try again (0 when allowed). */
  retryAfterMs: number;
}

/** Bucket state: tokens left and when they were counted. */
export interface BucketState {
  tokens: number;
  at: number;
}

/** Refills `state` up to `now` and takes `cost` when enough tokens are there. Mutates `state`. */
export function takeTokens(
  state: BucketState,
  rule: TokenBucketRule,
  now: number,
  cost = 1,
): TokenBucketResult {
  const elapsed = Math.max(0, now - state.at);
  state.tokens = Math.min(rule.burst, state.tokens + (elapsed * rule.rate) / 1000);
  state.at = now;
  if (state.tokens >= cost) {
    state.tokens -= cost;
    return { allowed: true, retryAfterMs: 0 };
  }
  return { allowed: false, retryAfterMs: Math.ceil(((cost - state.tokens) * 1000) / rule.rate) };
}

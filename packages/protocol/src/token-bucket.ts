/** Bucket state: tokens left and when they were counted. Plain numbers, so it fits anywhere. */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * Refills `state` up to `now` (`rule.rate` tokens per second, at most `rule.burst`) and takes
 * `cost` when enough tokens are there. Mutates `state`.
 */
export function takeTokens(
  state: BucketState,
  rule: { rate: number; burst: number },
  now: number,
  cost = 1,
): { allowed: boolean; retryAfterMs: number } {
  const elapsed = Math.max(0, now - state.at);
  state.tokens = Math.min(rule.burst, state.tokens + (elapsed * rule.rate) / 1000);
  state.at = now;
  if (state.tokens >= cost) {
    state.tokens -= cost;
    return { allowed: true, retryAfterMs: 0 };
  }
  return { allowed: false, retryAfterMs: Math.ceil(((cost - state.tokens) * 1000) / rule.rate) };
}

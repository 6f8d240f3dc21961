/**
 * Token buckets shared by every instance of a service (per-user publish rates across edges
 * and routers). `rate` tokens per second refill a bucket of `burst`; each call takes `cost`.
 */
export interface RateLimitRule {
  rate: number;
  burst: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** When the caller may try again (0 when allowed). */
  retryAfterMs: number;
}

export interface RateLimitStore {
  consume(key: string, rule: RateLimitRule, cost?: number): Promise<RateLimitResult>;
  close(): Promise<void>;
}

import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF, validateBackoff } from './backoff.js';

describe('backoff schedule', () => {
  it('defaults to 0.5 s doubling to a 30 s cap', () => {
    const ceilings = Array.from({ length: 10 }, (_, attempt) => backoffCeiling(DEFAULT_BACKOFF, attempt));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  });

  it('never overflows however long the outage', () => {
    expect(backoffCeiling(DEFAULT_BACKOFF, 10_000)).toBe(30_000);
    expect(backoffDelay(DEFAULT_BACKOFF, Number.MAX_SAFE_INTEGER, () => 0.5)).toBe(15_000);
  });

  it('full jitter spreads uniformly over [0, ceiling]', () => {
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0)).toBe(0);
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0.5)).toBe(2000);
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0.999_999)).toBe(4000);
    for (let attempt = 0; attempt < 20; attempt++) {
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(DEFAULT_BACKOFF, attempt);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(backoffCeiling(DEFAULT_BACKOFF, attempt));
      }
    }
  });

  it('equal jitter keeps at least half the ceiling; none is deterministic', () => {
    const equal = { ...DEFAULT_BACKOFF, jitter: 'equal' as const };
    expect(backoffDelay(equal, 2, () => 0)).toBe(1000);
    expect(backoffDelay(equal, 2, () => 0.999_999)).toBe(2000);
    const none = { ...DEFAULT_BACKOFF, jitter: 'none' as const };
    expect(backoffDelay(none, 2, () => 0.3)).toBe(2000);
  });

  it('honours custom factor and cap', () => {
    const options = { initialDelayMs: 100, factor: 3, maxDelayMs: 1000, jitter: 'none' as const };
    expect([0, 1, 2, 3].map((a) => backoffDelay(options, a))).toEqual([100, 300, 900, 1000]);
  });

  it('rejects settings that would spin or never grow past zero', () => {
    expect(() => validateBackoff({ ...DEFAULT_BACKOFF, initialDelayMs: 0 })).toThrow(/initialDelayMs/);
    expect(() => validateBackoff({ ...DEFAULT_BACKOFF, factor: 0.5 })).toThrow(/factor/);
    expect(() => validateBackoff({ ...DEFAULT_BACKOFF, maxDelayMs: 10 })).toThrow(/maxDelayMs/);
    expect(() => validateBackoff(DEFAULT_BACKOFF)).not.toThrow();
  });
});

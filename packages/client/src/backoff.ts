/** How a reconnect delay is randomised so that many clients do not come back at the same instant. */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffOptions {
  /** Ceiling of the first delay, ms. */
  initialDelayMs: number;
  /** Each failed attempt multiplies the ceiling by this. */
  factor: number;
  /** The ceiling never exceeds this, ms. */
  maxDelayMs: number;
  /**
   * `full`: uniform in [0, ceiling]; `equal`: uniform in [ceiling/2, ceiling]; `none`: the ceiling.
   */
  jitter: Jitter;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 'full',
});

/** The un-jittered delay before retry number `attempt` (0-based). */
export function backoffCeiling(options: BackoffOptions, attempt: number): number {
  // Clamped so a long outage cannot push factor ** attempt to Infinity (harmless, but pointless work).
  const exponent = Math.min(Math.max(0, attempt), 64);
  return Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** exponent);
}

/** The delay before retry number `attempt` (0-based), jittered with `random()` ∈ [0, 1). */
export function backoffDelay(
  options: BackoffOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(options, attempt);
  switch (options.jitter) {
    case 'none':
      return ceiling;
    case 'equal':
      return Math.round(ceiling / 2 + random() * (ceiling / 2));
    default:
      return Math.round(random() * ceiling);
  }
}

/** Throws on options that would make a tight loop or never retry. */
export function validateBackoff(options: BackoffOptions): void {
  if (!(options.initialDelayMs > 0)) throw new RangeError('reconnect.initialDelayMs must be > 0');
  if (!(options.factor >= 1)) throw new RangeError('reconnect.factor must be >= 1');
  if (!(options.maxDelayMs >= options.initialDelayMs)) {
    throw new RangeError('reconnect.maxDelayMs must be >= reconnect.initialDelayMs');
  }
  if (!['full', 'equal', 'none'].includes(options.jitter)) {
    throw new RangeError("reconnect.jitter must be 'full', 'equal' or 'none'");
  }
}

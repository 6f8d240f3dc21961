import type { ResultByOp } from '@switchboard/protocol';
import { backoffDelay } from './backoff.js';
import { type SwitchboardError, TimeoutError, TokenProviderError } from './errors.js';
import type { TokenEvent } from './events.js';
import { DEFAULT_OPTIONS, type ResolvedOptions, type TokenProvider } from './options.js';
import type { SendRequest } from './requests.js';

/** Never refresh more often than this, whatever the clocks say. */
const MIN_REFRESH_DELAY_MS = 1_000;

/** A token from the app: the string itself, or what the provider returns (checked). */
export async function getToken(source: string | TokenProvider): Promise<string> {
  let token: unknown;
  try {
    token = typeof source === 'function' ? await source() : source;
  } catch (error) {
    throw new TokenProviderError(error);
  }
  if (typeof token !== 'string' || token.length === 0) {
    throw new TokenProviderError(new TypeError('the token provider must return a non-empty string'));
  }
  return token;
}

export interface TokenRefreshHost {
  readonly request: SendRequest;
  /** Whether the client is connected right now (refreshes are sent only then). */
  isConnected(): boolean;
  error(error: SwitchboardError): void;
  refreshed(event: TokenEvent): void;
}

/**
 * Keeps one connection's token fresh: `refresh` with a new token from the provider shortly
 * before the current one expires (or when the server asks), retried with backoff on failure.
 * Lives as long as its connection; a static token is never refreshed.
 */
export class TokenRefresh {
  readonly #host: TokenRefreshHost;
  readonly #options: ResolvedOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshing = false;
  #attempt = 0;
  #disposed = false;

  constructor(host: TokenRefreshHost, options: ResolvedOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** Plans the next refresh for a token expiring at `expiresAt` (ms since the epoch). */
  schedule(expiresAt: number | undefined): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (expiresAt === undefined || typeof this.#options.token !== 'function') return;
    const remaining = expiresAt - Date.now();
    const margin = Math.min(this.#options.refreshMarginMs, Math.max(0, remaining / 2));
    this.#later(Math.max(MIN_REFRESH_DELAY_MS, remaining - margin));
  }

  /** Sends `refresh` with a fresh token; on failure retries with backoff while the link lives. */
  async refresh(): Promise<void> {
    if (
      this.#disposed ||
      this.#refreshing ||
      !this.#host.isConnected() ||
      typeof this.#options.token !== 'function'
    )
      return;
    this.#refreshing = true;
    const retryLater = (error: SwitchboardError, retryAfterMs = 0) => {
      this.#refreshing = false;
      this.#host.error(error);
      if (this.#disposed) return;
      const options = this.#options.reconnect || DEFAULT_OPTIONS.reconnect;
      clearTimeout(this.#timer);
      this.#later(Math.max(retryAfterMs, backoffDelay(options, this.#attempt++), MIN_REFRESH_DELAY_MS));
    };
    let token: string;
    try {
      token = await getToken(this.#options.token);
    } catch (error) {
      if (this.#disposed) return;
      retryLater(error instanceof TokenProviderError ? error : new TokenProviderError(error));
      return;
    }
    if (this.#disposed) return;
    this.#host.request(
      { op: 'refresh', token },
      {
        onResult: (raw) => {
          this.#refreshing = false;
          this.#attempt = 0;
          const expiresAt = (raw as ResultByOp['refresh']).expiresAt;
          this.schedule(expiresAt);
          this.#host.refreshed({ expiresAt });
        },
        onError: (error) => retryLater(error, error.retryAfterMs),
        onTimeout: () => retryLater(new TimeoutError('refresh', this.#options.requestTimeoutMs)),
        onLost: () => {},
        onClosed: () => {},
      },
    );
  }

  /** The connection is gone: nothing more is scheduled or sent. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #later(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refresh();
    }, delayMs);
  }
}

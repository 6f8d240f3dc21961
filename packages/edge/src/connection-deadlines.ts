import { CloseCode } from '@switchboard/protocol';
import type { Connection } from './connection.js';
import type { ConnectionWriter } from './connection-writer.js';

/** setTimeout's ceiling (~24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A connection's one deadline: `connect` within the auth timeout while pending; once open,
 * its token's expiry and then the grace period to refresh it.
 */
export class ConnectionDeadlines {
  readonly #writer: ConnectionWriter;
  readonly #authTimeoutMs: number;
  readonly #tokenExpiryGraceMs: number;

  constructor(deps: { writer: ConnectionWriter; authTimeoutMs: number; tokenExpiryGraceMs: number }) {
    this.#writer = deps.writer;
    this.#authTimeoutMs = deps.authTimeoutMs;
    this.#tokenExpiryGraceMs = deps.tokenExpiryGraceMs;
  }

  /** A new connection without a token must send `connect` in time. */
  armAuthDeadline(conn: Connection): void {
    conn.setDeadline(
      setTimeout(
        () => this.#writer.close(conn, CloseCode.AuthTimeout, 'no connect in time'),
        this.#authTimeoutMs,
      ),
    );
  }

  /**
   * Token expiry: at `exp` the client is asked to refresh (push `refresh`) and gets the grace
   * period to do so; without a refresh it is closed with 4001 and reconnects with a new token.
   */
  armExpiry(conn: Connection): void {
    conn.clearDeadline();
    const expiresAt = conn.identity?.expiresAt;
    if (expiresAt === undefined) return;
    const wait = expiresAt - Date.now();
    if (wait > 0) {
      conn.setDeadline(setTimeout(() => this.armExpiry(conn), Math.min(wait, MAX_TIMER_MS)));
      return;
    }
    const grace = this.#tokenExpiryGraceMs;
    if (grace === 0) {
      this.#writer.close(conn, CloseCode.TokenExpired, 'token expired');
      return;
    }
    this.#writer.push(conn, { t: 'refresh', deadline: expiresAt + grace });
    conn.setDeadline(
      setTimeout(() => this.#writer.close(conn, CloseCode.TokenExpired, 'token expired'), grace),
    );
  }
}

import type { ControlMessage } from '@switchboard/bus';
import { CloseCode } from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from './connection.js';
import type { ConnectionWriter } from './connection-writer.js';
import type { Membership } from './membership.js';

/**
 * Control messages from backends, for a user's connections here (on the user's subject) or
 * for one connection anywhere (`sb.control.all`): disconnect, subscribe, unsubscribe.
 */
export class BackendControl {
  readonly #membership: Membership;
  readonly #writer: ConnectionWriter;
  readonly #log: Logger;

  constructor(deps: { membership: Membership; writer: ConnectionWriter; log: Logger }) {
    this.#membership = deps.membership;
    this.#writer = deps.writer;
    this.#log = deps.log;
  }

  apply(targets: Iterable<Connection>, message: ControlMessage): void {
    for (const conn of [...targets]) {
      if (!conn.isOpen) continue;
      switch (message.action) {
        case 'disconnect':
          if (message.conn === undefined || message.conn === conn.id) {
            const code = message.code >= 4000 && message.code <= 4999 ? message.code : CloseCode.Kicked;
            this.#writer.close(conn, code, message.reason);
          }
          break;
        case 'subscribe':
          this.#subscribe(conn, message.room);
          break;
        case 'revoke':
          // Revocations go to every edge on `sb.control.all`, handled by the edge as a whole.
          break;
        case 'unsubscribe':
          if (this.#membership.exit(conn, message.room, 'unsubscribed')) {
            this.#writer.push(conn, {
              t: 'left',
              room: message.room,
              code: CloseCode.Kicked,
              reason: 'unsubscribed by the server',
            });
          }
          break;
      }
    }
  }

  /** The API subscribed the user: join without the token's grants (the API decided). */
  #subscribe(conn: Connection, room: string): void {
    if (this.#membership.refusal(conn, room)) return;
    this.#membership.enter(conn, room, undefined).then(
      (result) => {
        if (typeof result === 'string') return;
        this.#writer.push(conn, { t: 'joined', room, offset: result.offset, epoch: result.epoch });
        this.#membership.activate(conn, room, result);
      },
      (error: unknown) => this.#log.warn({ err: error, room, conn: conn.id }, 'server-side subscribe failed'),
    );
  }
}

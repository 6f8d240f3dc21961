import { type Bus, encodeJson, type LifecycleKind, Subjects } from '@switchboard/bus';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from './connection.js';

/**
 * Connect, disconnect, join and leave on `sb.events.*`, for backends. Only authenticated
 * connections have any; off unless the edge is configured to publish them.
 */
export class LifecycleEvents {
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #nodeId: string;
  readonly #enabled: boolean;

  constructor(deps: { bus: Bus; log: Logger; nodeId: string; enabled: boolean }) {
    this.#bus = deps.bus;
    this.#log = deps.log;
    this.#nodeId = deps.nodeId;
    this.#enabled = deps.enabled;
  }

  publish(kind: LifecycleKind, conn: Connection, extra?: Record<string, string | number>): void {
    const identity = conn.identity;
    if (!this.#enabled || !identity) return;
    const record = {
      type: kind,
      ts: Date.now(),
      node: this.#nodeId,
      conn: conn.id,
      user: identity.user,
      ...extra,
    };
    try {
      this.#bus.publish(Subjects.event(kind), encodeJson(record));
    } catch (error) {
      this.#log.debug({ err: error, kind }, 'lifecycle event not published');
    }
  }
}

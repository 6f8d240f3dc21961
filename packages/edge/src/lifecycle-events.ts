import { type Bus, encodeJson, type LifecycleKind, Subjects } from '@switchboard/bus';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from './connection.js';

/**
 * Connect, disconnect, join and leave on `sb.events.*`, for backends. Only authenticated
 * connections have any; each kind off unless the edge is configured to publish it.
 */
export class LifecycleEvents {
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #nodeId: string;
  readonly #enabled: ReadonlySet<LifecycleKind>;

  constructor(deps: { bus: Bus; log: Logger; nodeId: string; enabled: readonly LifecycleKind[] }) {
    this.#bus = deps.bus;
    this.#log = deps.log;
    this.#nodeId = deps.nodeId;
    this.#enabled = new Set(deps.enabled);
  }

  publish(kind: LifecycleKind, conn: Connection, extra?: Record<string, string | number>): void {
    const identity = conn.identity;
    if (!identity || !this.#enabled.has(kind)) return;
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

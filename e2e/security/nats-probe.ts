import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * A plain NATS client, as an attacker on the cluster network would use (no Switchboard code),
 * that tells which publishes and subscriptions nats-server refuses. The server answers a
 * refused operation with `-ERR 'Permissions Violation …'` before the PONG of the next flush.
 */
export class NatsProbe {
  readonly nc: NatsConnection;
  readonly #refused: string[] = [];

  private constructor(nc: NatsConnection) {
    this.nc = nc;
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'error') this.#refused.push(s.error.message);
      }
    })();
  }

  static async connect(options: Parameters<typeof connect>[0]): Promise<NatsProbe> {
    return new NatsProbe(await connect({ ...options, maxReconnectAttempts: 0 }));
  }

  /** True when nats-server accepted a publish to `subject`. */
  async canPublish(subject: string, data = '{}'): Promise<boolean> {
    const before = this.#refused.length;
    this.nc.publish(subject, data);
    await this.#settle();
    return !this.#refused.slice(before).some((m) => m.includes(`Publish to "${subject}"`));
  }

  /** True when nats-server accepted a subscription to `subject` (it is removed again). */
  async canSubscribe(subject: string, queue?: string): Promise<boolean> {
    const before = this.#refused.length;
    const sub = this.nc.subscribe(subject, queue !== undefined ? { queue } : {});
    await this.#settle();
    const refused = this.#refused.slice(before).some((m) => m.includes(`Subscription to "${subject}"`));
    if (!sub.isClosed()) sub.unsubscribe();
    return !refused;
  }

  /** Every permissions violation the server reported so far. */
  refusals(): readonly string[] {
    return this.#refused;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }

  async #settle(): Promise<void> {
    await this.nc.flush();
    // The status iterator hands errors over asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

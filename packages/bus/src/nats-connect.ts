import type { ConnectionOptions } from '@nats-io/transport-node';
import type { NatsSecurity } from './nats-security.js';

/** How long a NATS link waits and retries; each may be overridden per connection. */
export interface NatsLinkTiming {
  /** Pause between reconnect attempts to one server; jitter is added so a fleet does not reconnect in lockstep. */
  reconnectTimeWaitMs?: number;
  /** Up to this much random extra wait per attempt. */
  reconnectJitterMs?: number;
  /** How long one connection attempt may take. */
  connectTimeoutMs?: number;
  /**
   * Client pings at this interval; two unanswered pings mark the link dead. The NATS default
   * (2 minutes) would leave a silently dropped link (no RST) "connected" for 4 minutes.
   */
  pingIntervalMs?: number;
}

export const NATS_LINK_DEFAULTS: Required<NatsLinkTiming> = {
  reconnectTimeWaitMs: 1_000,
  reconnectJitterMs: 500,
  connectTimeoutMs: 5_000,
  pingIntervalMs: 20_000,
};

/**
 * The NATS client options every Switchboard link is opened with — the services' bus and the
 * server SDK alike: its identity and TLS (`natsSecurity`), its name and reply prefix, and a
 * reconnect policy that never gives up.
 */
export function natsConnectionOptions(
  security: NatsSecurity,
  link: NatsLinkTiming & { name?: string | undefined; inboxPrefix?: string | undefined },
): ConnectionOptions {
  return {
    servers: security.servers,
    ...(link.name !== undefined ? { name: link.name } : {}),
    ...(security.authenticator ? { authenticator: security.authenticator } : {}),
    ...(security.tls ? { tls: security.tls } : {}),
    ...(link.inboxPrefix !== undefined ? { inboxPrefix: link.inboxPrefix } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: link.reconnectTimeWaitMs ?? NATS_LINK_DEFAULTS.reconnectTimeWaitMs,
    reconnectJitter: link.reconnectJitterMs ?? NATS_LINK_DEFAULTS.reconnectJitterMs,
    timeout: link.connectTimeoutMs ?? NATS_LINK_DEFAULTS.connectTimeoutMs,
    pingInterval: link.pingIntervalMs ?? NATS_LINK_DEFAULTS.pingIntervalMs,
    maxPingOut: 2,
  };
}

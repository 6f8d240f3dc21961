import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { type BucketState, takeTokens } from '@switchboard/protocol';

/** Per client IP limits at the edge; 0 turns a limit off. */
export interface ClientLimitRules {
  /** Open connections (and upgrades in progress) per client IP. */
  maxConnectionsPerIp: number;
  /** Connections that have not authenticated yet, per client IP. */
  maxUnauthenticatedPerIp: number;
  /** WebSocket upgrades per second per client IP, with a burst. */
  upgradeRatePerIp: number;
  upgradeBurstPerIp: number;
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For is believed: the ingress, nothing else. */
  trustedProxies: readonly string[];
}

export interface ClientRefusal {
  status: 429;
  result: string;
  message: string;
  retryAfterS: number;
}

/** One counted connection of a client IP. */
export interface ClientTicket {
  readonly ip: string;
  authenticated: boolean;
  /** The connection authenticated: it no longer counts against the unauthenticated limit. */
  authenticate(): void;
}

/** Upgrade buckets kept at most (least recently used dropped first): state stays bounded. */
const MAX_BUCKETS = 50_000;

/**
 * Who a client is (its IP, through trusted proxies only) and what it may still open. Counts
 * exist only for IPs with live connections, and rate buckets are capped, so no per-IP map grows
 * without bound.
 */
export class ClientLimits {
  readonly #rules: ClientLimitRules;
  readonly #trusted = new BlockList();
  readonly #hasTrusted: boolean;
  readonly #open = new Map<string, number>();
  readonly #unauthenticated = new Map<string, number>();
  readonly #buckets = new Map<string, BucketState>();

  constructor(rules: ClientLimitRules) {
    this.#rules = rules;
    for (const entry of rules.trustedProxies) addToBlockList(this.#trusted, entry);
    this.#hasTrusted = rules.trustedProxies.length > 0;
  }

  /**
   * The client's IP: the peer's address, unless the peer is a trusted proxy — then the right-most
   * X-Forwarded-For address that is not itself a trusted proxy (entries further left are whatever
   * the client chose to send).
   */
  clientIp(req: IncomingMessage): string {
    const peer = normalize(req.socket.remoteAddress ?? '');
    if (!this.#hasTrusted || !this.#isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((hop) => normalize(hop.trim()))
      .filter((hop) => isIP(hop) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.#isTrusted(hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? peer;
  }

  /** Why `ip` may not open another connection now (429 with Retry-After), if it may not. */
  refusal(ip: string, authenticated: boolean, now: number): ClientRefusal | undefined {
    const r = this.#rules;
    if (r.maxConnectionsPerIp > 0 && (this.#open.get(ip) ?? 0) >= r.maxConnectionsPerIp) {
      return {
        status: 429,
        result: 'ip_connections',
        message: 'too many connections from this address',
        retryAfterS: 5,
      };
    }
    if (
      !authenticated &&
      r.maxUnauthenticatedPerIp > 0 &&
      (this.#unauthenticated.get(ip) ?? 0) >= r.maxUnauthenticatedPerIp
    ) {
      return {
        status: 429,
        result: 'ip_unauthenticated',
        message: 'too many connections waiting to authenticate from this address',
        retryAfterS: 5,
      };
    }
    if (r.upgradeRatePerIp > 0) {
      let bucket = this.#buckets.get(ip);
      if (bucket) this.#buckets.delete(ip);
      else {
        bucket = { tokens: r.upgradeBurstPerIp, at: now };
        if (this.#buckets.size >= MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      this.#buckets.set(ip, bucket);
      const taken = takeTokens(bucket, { rate: r.upgradeRatePerIp, burst: r.upgradeBurstPerIp }, now);
      if (!taken.allowed) {
        return {
          status: 429,
          result: 'ip_rate',
          message: 'too many connection attempts from this address',
          retryAfterS: Math.max(1, Math.ceil(taken.retryAfterMs / 1000)),
        };
      }
    }
    return undefined;
  }

  /** A connection (or an upgrade verifying its token) from `ip` starts counting. */
  opened(ip: string, authenticated: boolean): void {
    increment(this.#open, ip);
    if (!authenticated) increment(this.#unauthenticated, ip);
  }

  authenticated(ip: string): void {
    decrement(this.#unauthenticated, ip);
  }

  closed(ip: string, authenticated: boolean): void {
    decrement(this.#open, ip);
    if (!authenticated) decrement(this.#unauthenticated, ip);
  }

  /**
   * Counts a connection from `ip` for as long as its socket lives: the returned ticket is marked
   * authenticated once the connection is, and the socket's close releases it, whatever path
   * (refusal, failed handshake, normal close) the connection took.
   */
  track(
    ip: string,
    socket: { once(event: 'close', listener: () => void): unknown },
    authenticated: boolean,
  ): ClientTicket {
    this.opened(ip, authenticated);
    const ticket: ClientTicket = {
      ip,
      authenticated,
      authenticate: () => {
        if (ticket.authenticated) return;
        ticket.authenticated = true;
        this.authenticated(ip);
      },
    };
    socket.once('close', () => this.closed(ip, ticket.authenticated));
    return ticket;
  }

  /** Distinct IPs tracked (for tests: the maps stay bounded). */
  get trackedIps(): number {
    return this.#open.size + this.#buckets.size;
  }

  #isTrusted(ip: string): boolean {
    const family = isIP(ip);
    if (family === 0) return false;
    return this.#trusted.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) as `10.0.0.1`. */
function normalize(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function addToBlockList(list: BlockList, entry: string): void {
  const [address = '', prefix] = entry.split('/');
  const family = isIP(address);
  if (family === 0) throw new Error(`SB_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`);
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (prefix === undefined) list.addAddress(address, type);
  else list.addSubnet(address, Number(prefix), type);
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement(map: Map<string, number>, key: string): void {
  const next = (map.get(key) ?? 0) - 1;
  if (next > 0) map.set(key, next);
  else map.delete(key);
}

import { type Bus, RpcClient, type RpcMetrics, type Subscription, serve } from '@switchboard/bus';
import type { Logger } from '@switchboard/telemetry';
import type { Identity } from './identity.js';
import { AuthRpc } from './rpc.js';
import type { TokenVerifier } from './verifier.js';

/**
 * The auth service: answers `sb.auth.verify` with the token's identity or a token error code.
 * Its verification results by reason are the `result` of the served requests (`metrics`).
 */
export function startAuthService(deps: {
  bus: Bus;
  verifier: TokenVerifier;
  log: Logger;
  metrics?: RpcMetrics;
}): { stop(): void } {
  const { bus, verifier, log, metrics } = deps;
  const sub: Subscription = serve(bus, AuthRpc.verify, (body) => verifier.verify(body.token), log, metrics);
  log.info({ subject: AuthRpc.verify.subject }, 'auth service ready');
  return { stop: () => sub.unsubscribe() };
}

/** What the edge uses to reach the auth service: a typed facade over `RpcClient`. */
export class AuthClient {
  readonly #rpc: RpcClient;
  constructor(bus: Bus, timeoutMs: number) {
    this.#rpc = new RpcClient(bus, timeoutMs);
  }
  verify(token: string): Promise<Identity> {
    return this.#rpc.call(AuthRpc.verify, { token });
  }
}

import { type Bus, RpcClient, type Subscription, serve } from '@switchboard/bus';
import type { Logger } from '@switchboard/telemetry';
import type { Identity } from './identity.js';
import { AuthRpc } from './rpc.js';
import type { TokenVerifier } from './verifier.js';

/** The auth service: answers `sb.auth.verify` with the token's identity or a token error code. */
export function startAuthService(deps: { bus: Bus; verifier: TokenVerifier; log: Logger }): { stop(): void } {
  const { bus, verifier, log } = deps;
  const sub: Subscription = serve(bus, AuthRpc.verify, (body) => verifier.verify(body.token), log);
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

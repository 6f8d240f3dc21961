import {
  type Bus,
  type ControlMessage,
  DeliveryHeaders,
  encodeJson,
  RemoteError,
  RpcClient,
  type RpcMetrics,
  Subjects,
  type Subscription,
  serve,
} from '@switchboard/bus';
import { ErrorCode } from '@switchboard/protocol';
import type { RevocationStore } from '@switchboard/stores';
import type { Logger } from '@switchboard/telemetry';
import type { Identity } from './identity.js';
import { AuthRpc } from './rpc.js';
import type { TokenVerifier } from './verifier.js';

/** How long revocations are remembered when the caller does not say (user-wide ones always). */
export interface RevocationOptions {
  store: RevocationStore;
  /** Longer than any token lives: a user-wide cut-off is forgotten after this. */
  rememberMs: number;
}

/**
 * The auth service: answers `sb.auth.verify` with the token's identity or a token error code;
 * with a revocation store, also `sb.auth.revoke.*`: the revocation is stored (so the token
 * cannot connect again) and then announced on `sb.control.all` (so every edge closes the
 * connections holding it). Its verification results by reason are the `result` of the served
 * requests (`metrics`).
 */
export function startAuthService(deps: {
  bus: Bus;
  verifier: TokenVerifier;
  log: Logger;
  revocations?: RevocationOptions;
  metrics?: RpcMetrics;
}): { stop(): void } {
  const { bus, verifier, log, revocations, metrics } = deps;
  const subs: Subscription[] = [
    serve(bus, AuthRpc.verify, (body) => verifier.verify(body.token), log, metrics),
  ];
  if (revocations) {
    const { store, rememberMs } = revocations;
    subs.push(
      serve(
        bus,
        AuthRpc.revokeToken,
        async ({ jti, untilMs }) => {
          const until = untilMs ?? Date.now() + rememberMs;
          await store.revokeToken(jti, until);
          await announce(bus, { action: 'revoke', jti });
          log.info({ jti }, 'token revoked');
          return { untilMs: until };
        },
        log,
        metrics,
      ),
      serve(
        bus,
        AuthRpc.revokeUser,
        async ({ user, issuedBeforeMs }) => {
          const before = issuedBeforeMs ?? Date.now();
          if (before > Date.now() + rememberMs) {
            throw new RemoteError(ErrorCode.BadRequest, '"issuedBeforeMs" is too far in the future');
          }
          await store.revokeUser(user, before, rememberMs);
          await announce(bus, { action: 'revoke', user, issuedBeforeMs: before });
          log.info({ user, issuedBeforeMs: before }, 'user tokens revoked');
          return { issuedBeforeMs: before };
        },
        log,
        metrics,
      ),
    );
  }
  log.info({ subject: AuthRpc.verify.subject }, 'auth service ready');
  return {
    stop: () => {
      for (const sub of subs) sub.unsubscribe();
    },
  };
}

/** Tells every edge; flushed, so the edges have it before the caller's reply. */
async function announce(bus: Bus, message: ControlMessage): Promise<void> {
  bus.publish(Subjects.controlRevoke, encodeJson(message), {
    headers: { [DeliveryHeaders.kind]: 'control' },
  });
  await bus.flush();
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

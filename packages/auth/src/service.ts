import {
  type Bus,
  callRpc,
  parseRequest,
  QueueGroups,
  Subjects,
  type Subscription,
  serveRpc,
} from '@switchboard/bus';
import type { Logger } from '@switchboard/telemetry';
import * as v from 'valibot';
import type { Identity } from './identity.js';
import type { TokenVerifier } from './verifier.js';

const verifyRequest = v.object({ token: v.pipe(v.string(), v.maxLength(8192)) });

/** The auth service: answers `sb.auth.verify` with the token's identity or a token error code. */
export function startAuthService(deps: { bus: Bus; verifier: TokenVerifier; log: Logger }): { stop(): void } {
  const { bus, verifier, log } = deps;
  const sub: Subscription = serveRpc(
    bus,
    Subjects.authVerify,
    QueueGroups.auth,
    (body) => verifier.verify(parseRequest(verifyRequest, body).token),
    log,
  );
  log.info({ subject: Subjects.authVerify }, 'auth service ready');
  return { stop: () => sub.unsubscribe() };
}

/** What the edge uses to reach the auth service. */
export class AuthClient {
  readonly #bus: Bus;
  readonly #timeoutMs: number;
  constructor(bus: Bus, timeoutMs: number) {
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
  }
  verify(token: string): Promise<Identity> {
    return callRpc<Identity>(this.#bus, Subjects.authVerify, { token }, { timeoutMs: this.#timeoutMs });
  }
}

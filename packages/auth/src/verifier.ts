import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { RemoteError } from '@switchboard/bus';
import { ErrorCode, USER_ID_CHARACTERS, USER_ID_PATTERN } from '@switchboard/protocol';
import type { RevocationStore } from '@switchboard/stores';
import { errors as joseErrors, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import * as v from 'valibot';
import type { Identity } from './identity.js';
import type { JwksKey, JwksKeySet } from './jwks.js';

export type Algorithm = 'HS256' | 'RS256' | 'ES256';

interface VerificationKey {
  algorithm: Algorithm;
  key: KeyObject;
}

export interface VerifierOptions {
  /** HS256 secrets; several for rotation. */
  secrets?: readonly string[];
  /** PEM public keys (RSA → RS256, EC P-256 → ES256). */
  publicKeys?: readonly string[];
  issuer?: string;
  audience?: string;
  clockToleranceS?: number;
  /** Keys from identity providers' JWKS, selected by the token's `kid`. */
  jwks?: JwksKeySet;
  /** Refuse tokens without `exp` (they would be valid forever). */
  requireExp?: boolean;
  revocations?: RevocationStore;
}

const MAX_PATTERNS = 256;
const MAX_META_BYTES = 1024;

const claimsSchema = v.object({
  sub: v.pipe(
    v.string(),
    v.minLength(1),
    v.maxLength(128),
    v.regex(USER_ID_PATTERN, `must be 1–128 characters of ${USER_ID_CHARACTERS}`),
  ),
  exp: v.optional(v.number()),
  iat: v.optional(v.number()),
  jti: v.optional(v.pipe(v.string(), v.maxLength(256))),
  sb: v.optional(
    v.object({
      join: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(MAX_PATTERNS))),
      publish: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(MAX_PATTERNS))),
      meta: v.optional(v.record(v.string(), v.unknown())),
    }),
  ),
});

/**
 * Verifies tokens. Algorithms are pinned per key — an HS256 secret only ever verifies HS256
 * and a public key only its own algorithm — so `alg: none` and HS/RS confusion cannot pass.
 * Keys are resolved from the token header (`resolveKeys`), which is where JWKS plugs in.
 */
export class TokenVerifier {
  readonly #keys: VerificationKey[];
  readonly #options: VerifierOptions;

  constructor(options: VerifierOptions) {
    this.#options = options;
    this.#keys = [
      ...(options.secrets ?? []).map((s) => ({
        algorithm: 'HS256' as const,
        key: createSecretKey(Buffer.from(s)),
      })),
      ...(options.publicKeys ?? []).map(publicKey),
    ];
    if (this.#keys.length === 0 && !options.jwks) {
      throw new Error('TokenVerifier needs at least one secret, public key or JWKS URL');
    }
  }

  /** Resolves the identity or throws `RemoteError` with a token error code. */
  async verify(token: string): Promise<Identity> {
    const decoded = decodeJwt(token);
    const alg = decoded.header.alg;
    if (typeof alg !== 'string') throw invalid('token header has no "alg"');
    const kid = decoded.header.kid;
    const jwks = this.#options.jwks;
    const jwk = jwks && typeof kid === 'string' && kid.length <= 256 ? await jwks.keyFor(kid) : undefined;
    const payload = jwk
      ? await this.#verifyWithJwk(token, jwk)
      : this.#verifyWithStaticKeys(token, alg, jwks);
    const identity = toIdentity(payload);
    const toleranceMs = (this.#options.clockToleranceS ?? 5) * 1000;
    if (identity.issuedAt !== undefined && identity.issuedAt > Date.now() + toleranceMs) {
      // A token from the future would escape a user-wide revocation ("issued before now").
      throw invalid('token "iat" is in the future');
    }
    if (this.#options.requireExp && identity.expiresAt === undefined) {
      throw invalid('token has no "exp"; tokens must expire');
    }
    if (
      this.#options.revocations &&
      (await this.#options.revocations.isRevoked({
        user: identity.user,
        ...(identity.jti !== undefined ? { jti: identity.jti } : {}),
        ...(identity.issuedAt !== undefined ? { issuedAtMs: identity.issuedAt } : {}),
      }))
    ) {
      throw new RemoteError(ErrorCode.TokenRevoked, 'token was revoked');
    }
    return identity;
  }

  /** A token whose `kid` names a JWKS key: verified with that key and its pinned algorithm only. */
  async #verifyWithJwk(token: string, jwk: JwksKey): Promise<jwt.JwtPayload> {
    try {
      const { payload } = await jwtVerify(token, jwk.key, {
        algorithms: [jwk.alg],
        ...(this.#options.issuer !== undefined ? { issuer: this.#options.issuer } : {}),
        ...(this.#options.audience !== undefined ? { audience: this.#options.audience } : {}),
        clockTolerance: this.#options.clockToleranceS ?? 5,
      });
      return payload as jwt.JwtPayload;
    } catch (error) {
      throw mapJoseError(error);
    }
  }

  /** Configured secrets and PEM keys (tokens without a `kid`, or with one no JWKS knows). */
  #verifyWithStaticKeys(token: string, alg: string, jwks: JwksKeySet | undefined): jwt.JwtPayload {
    const candidates = this.resolveKeys(alg);
    if (candidates.length === 0) {
      throw invalid(jwks ? 'token key is not known' : `algorithm "${alg.slice(0, 16)}" is not accepted`);
    }
    let payload: jwt.JwtPayload | undefined;
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        payload = jwt.verify(token, candidate.key, {
          algorithms: [candidate.algorithm],
          issuer: this.#options.issuer,
          audience: this.#options.audience,
          clockTolerance: this.#options.clockToleranceS ?? 5,
        }) as jwt.JwtPayload;
        break;
      } catch (error) {
        lastError = error;
        // Expiry and audience errors come after a good signature: no other key will do better.
        if (!(error instanceof jwt.JsonWebTokenError) || error.message !== 'invalid signature') break;
      }
    }
    if (!payload) throw mapJwtError(lastError);
    return payload;
  }

  /** Keys that may verify a token signed with `alg`. Replace to add JWKS (`kid` lookup). */
  protected resolveKeys(alg: string): VerificationKey[] {
    return this.#keys.filter((k) => k.algorithm === alg);
  }
}

function publicKey(pem: string): VerificationKey {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`RSA public key has ${bits} bits; 2048 or more are required`);
    return { algorithm: 'RS256', key };
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { algorithm: 'ES256', key };
  }
  throw new Error(`unsupported public key type ${key.asymmetricKeyType} (use RSA 2048+ or EC P-256)`);
}

function toIdentity(payload: jwt.JwtPayload): Identity {
  const parsed = v.safeParse(claimsSchema, payload);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw invalid(`claim "${v.getDotPath(issue) ?? '?'}" ${issue.message}`);
  }
  const claims = parsed.output;
  const meta = claims.sb?.meta;
  if (meta !== undefined && Buffer.byteLength(JSON.stringify(meta)) > MAX_META_BYTES) {
    throw invalid(`claim "sb.meta" is larger than ${MAX_META_BYTES} bytes`);
  }
  return {
    user: claims.sub,
    grants: { join: claims.sb?.join ?? [], publish: claims.sb?.publish ?? [] },
    ...(meta !== undefined ? { meta: meta as Identity['meta'] & object } : {}),
    ...(claims.exp !== undefined ? { expiresAt: claims.exp * 1000 } : {}),
    ...(claims.iat !== undefined ? { issuedAt: claims.iat * 1000 } : {}),
    ...(claims.jti !== undefined ? { jti: claims.jti } : {}),
  };
}

/**
 * The token's header and payload, decoded without verifying. Anything that is not a JWT with a
 * JSON-object header and payload is the client's mistake (TokenInvalid), never an internal error.
 */
function decodeJwt(token: string): { header: jwt.JwtHeader } {
  let decoded: jwt.Jwt | null;
  try {
    decoded = jwt.decode(token, { complete: true });
  } catch {
    throw invalid('token is not a JWT');
  }
  if (
    !decoded ||
    typeof decoded.header !== 'object' ||
    decoded.header === null ||
    typeof decoded.payload !== 'object' ||
    decoded.payload === null ||
    Array.isArray(decoded.payload)
  ) {
    throw invalid('token is not a JWT');
  }
  return decoded;
}

function invalid(message: string): RemoteError {
  return new RemoteError(ErrorCode.TokenInvalid, message);
}

function mapJwtError(error: unknown): RemoteError {
  if (error instanceof jwt.TokenExpiredError) return new RemoteError(ErrorCode.TokenExpired, 'token expired');
  if (error instanceof jwt.NotBeforeError)
    return new RemoteError(ErrorCode.TokenNotYetValid, 'token not valid yet');
  if (error instanceof jwt.JsonWebTokenError) return invalid(publicMessage(error.message));
  return invalid('token could not be verified');
}

function mapJoseError(error: unknown): RemoteError {
  if (error instanceof joseErrors.JWTExpired) return new RemoteError(ErrorCode.TokenExpired, 'token expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new RemoteError(ErrorCode.TokenNotYetValid, 'token not valid yet');
    if (error.claim === 'iss') return invalid('token issuer is not accepted');
    if (error.claim === 'aud') return invalid('token audience is not accepted');
    return invalid(`claim "${error.claim}" is not valid`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('invalid signature');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return invalid('token algorithm does not match its key');
  return invalid('token could not be verified');
}

/**
 * What a client is told about a token the library refused. The library's messages for issuer and
 * audience name the expected values: configuration an unauthenticated client has no need to see.
 */
function publicMessage(message: string): string {
  if (message.startsWith('jwt issuer invalid')) return 'token issuer is not accepted';
  if (message.startsWith('jwt audience invalid')) return 'token audience is not accepted';
  if (message.startsWith('jwt id invalid')) return 'token id is not accepted';
  if (message.startsWith('jwt subject invalid')) return 'token subject is not accepted';
  return message;
}

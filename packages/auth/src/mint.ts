import type { JsonObject } from '@switchboard/protocol';
import jwt from 'jsonwebtoken';

export interface MintOptions {
  user: string;
  join?: readonly string[];
  publish?: readonly string[];
  meta?: JsonObject;
  /** Lifetime in seconds (default one hour). */
  ttlS?: number;
  issuer?: string;
  audience?: string;
  jti?: string;
}

/** Signs an HS256 token with Switchboard's claims. For development and tests; real apps mint their own. */
export function mintToken(secret: string, options: MintOptions): string {
  const sb: Record<string, unknown> = {};
  if (options.join) sb['join'] = options.join;
  if (options.publish) sb['publish'] = options.publish;
  if (options.meta) sb['meta'] = options.meta;
  return jwt.sign({ sb }, secret, {
    algorithm: 'HS256',
    subject: options.user,
    expiresIn: options.ttlS ?? 3600,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
    ...(options.jti ? { jwtid: options.jti } : {}),
  });
}

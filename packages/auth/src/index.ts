export type { JwtKeySettings } from './dev-secret.js';
export { DEV_JWT_SECRET, effectiveJwtSecrets } from './dev-secret.js';
export type { Grants, Identity } from './identity.js';
export { canJoin, canPublish } from './identity.js';
export type { MintOptions } from './mint.js';
export { mintToken } from './mint.js';
export { AuthClient, startAuthService } from './service.js';
export type { Algorithm, VerifierOptions } from './verifier.js';
export { TokenVerifier } from './verifier.js';

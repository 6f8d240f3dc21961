export type { Grants, Identity } from './identity.js';
export { canJoin, canPublish } from './identity.js';
export type { MintOptions } from './mint.js';
export { mintToken } from './mint.js';
export { AuthRpc, grantsSchema, identitySchema } from './rpc.js';
export { AuthClient, startAuthService } from './service.js';
export type { Algorithm, VerifierOptions } from './verifier.js';
export { TokenVerifier } from './verifier.js';

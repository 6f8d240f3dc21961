/** `@switchboard/bus/nats`: the NATS bus. A separate entry so memory-only setups never load the NATS client. */
export type { NatsBusOptions } from './bus-nats.js';
export { NatsBus } from './bus-nats.js';
export type { NatsAuthOptions, NatsSecurity, NatsTlsFiles } from './nats-security.js';
export { natsSecurity, splitCredentials } from './nats-security.js';
export type { NatsServerConfigOptions, RoleCredential } from './nats-server-config.js';
export {
  createNkeyUser,
  natsServerConfig,
  natsUserName,
  passwordVariable,
  publicKey,
} from './nats-server-config.js';

export interface NatsServerHandle {}
export interface RedisServerHandle {}
export async function startNatsServer(): Promise<NatsServerHandle> {
  throw new Error('not implemented yet');
}
export async function startRedisServer(): Promise<RedisServerHandle> {
  throw new Error('not implemented yet');
}

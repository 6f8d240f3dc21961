// Type-checked with `strict` and `exactOptionalPropertyTypes` (and no skipLibCheck) against the
// published declarations: the ESM side (`.d.mts`).
import {
  type ClientOptions,
  type DisconnectedEvent,
  type MessagePush,
  SwitchboardClient,
  SwitchboardError,
} from '@switchboard/client';
import { ErrorCode, type JsonValue } from '@switchboard/protocol';
import { GrpcServerClient, type PublishInput, SwitchboardApiError } from '@switchboard/server-sdk';
import { NatsServerClient, type NatsTransportOptions } from '@switchboard/server-sdk/nats';

const options: ClientOptions = {
  url: 'wss://rt.example.com',
  token: async () => 'jwt',
  reconnect: { initialDelayMs: 250, jitter: 'equal' },
  queue: { maxCount: 10, whenFull: 'drop-oldest' },
};
const client = new SwitchboardClient(options);
client.on('message', (m: MessagePush) => {
  const data: JsonValue = m.data;
  console.log(m.room, m.offset, m.from.user, data);
});
client.on('disconnected', (event: DisconnectedEvent) => {
  if (event.error instanceof SwitchboardError) console.log(event.error.code, event.delayMs ?? 0);
});

export async function publishBoth(): Promise<number> {
  const input: PublishInput = { room: 'chat:lobby', event: 'say', data: { text: 'hi' } };
  // As the docs write it: optional settings straight from the environment (string | undefined).
  const grpc = new GrpcServerClient({ url: 'localhost:50051', apiKey: process.env['SWITCHBOARD_API_KEY'] });
  try {
    return (await grpc.publish(input, { timeoutMs: 1_000 })).offset;
  } catch (error) {
    if (error instanceof SwitchboardApiError && error.code === ErrorCode.BadRequest) return -1;
    throw error;
  } finally {
    await grpc.close();
  }
}

export async function overNats(bus: NatsTransportOptions['bus']): Promise<string[]> {
  const nats = new NatsServerClient({ bus, timeoutMs: 2_000 });
  const rooms: string[] = [];
  for await (const room of nats.allRooms({ pageSize: 50 })) rooms.push(room.room);
  return rooms;
}

// Node ESM consumer: the client and the gRPC server SDK, as an app installs them.
import { SwitchboardClient, SwitchboardError } from '@switchboard/client';
import { ErrorCode } from '@switchboard/protocol';
import { GrpcServerClient, SwitchboardApiError } from '@switchboard/server-sdk';
import WebSocket from 'ws';

const env = process.env;
const room = 'consumer:esm';
const client = new SwitchboardClient({ url: env.SB_WS_URL, token: env.SB_TOKEN, WebSocket });
const received = new Promise((resolve) => client.on('message', resolve));
await client.connect();
await client.join(room);

const api = new GrpcServerClient({ url: env.SB_GRPC_URL, apiKey: env.SB_API_KEY });
const published = await api.publish({ room, event: 'hello', data: { from: 'esm' } });
const message = await received;
const refused = await api.publish({ room: 'not a room', event: 'x' }).catch((error) => error);
await api.close();
await client.disconnect();

console.log(
  JSON.stringify({
    offset: published.offset,
    message: { offset: message.offset, event: message.event, data: message.data },
    refused: refused instanceof SwitchboardApiError && refused.code === ErrorCode.BadRequest,
    errorBase: new SwitchboardError('x', 'y') instanceof Error,
  }),
);

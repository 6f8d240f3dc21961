// Node CommonJS consumer: the client and the NATS fast path of the server SDK, with require().
const { SwitchboardClient } = require('@switchboard/client');
const { isTemporaryError, ErrorCode } = require('@switchboard/protocol');
const { SwitchboardApiError } = require('@switchboard/server-sdk');
const { NatsServerClient } = require('@switchboard/server-sdk/nats');
const { WebSocket } = require('ws');

async function main() {
  const env = process.env;
  const room = 'consumer:cjs';
  const client = new SwitchboardClient({ url: env.SB_WS_URL, token: env.SB_TOKEN, WebSocket });
  const received = new Promise((resolve) => client.on('message', resolve));
  await client.connect();
  await client.join(room);

  const bus = await NatsServerClient.connect({ servers: env.SB_NATS_URL });
  const published = await bus.publish({ room, event: 'hello', data: { from: 'cjs' } });
  const message = await received;
  const refused = await bus.publish({ room, event: '' }).catch((error) => error);
  await bus.close();
  await client.disconnect();

  console.log(
    JSON.stringify({
      offset: published.offset,
      message: { offset: message.offset, event: message.event, data: message.data },
      refused: refused instanceof SwitchboardApiError && refused.code === ErrorCode.BadRequest,
      temporary: isTemporaryError(ErrorCode.Unavailable),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

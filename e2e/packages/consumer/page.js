// Runs in the page: connect with the token from the query, join, publish, get the message back.
// The outcome goes to document.body.dataset.result (or .error) for the test to read.
// biome-ignore lint/correctness/noUnusedVariables: called from the HTML pages.
async function run(Switchboard, room) {
  try {
    const params = new URLSearchParams(location.search);
    const client = new Switchboard.SwitchboardClient({ url: params.get('ws'), token: params.get('token') });
    const received = new Promise((resolve) => client.on('message', resolve));
    await client.connect();
    await client.join(room);
    const published = await client.publish(room, 'hello', { from: room });
    const message = await received;
    await client.disconnect();
    document.body.dataset.result = JSON.stringify({
      published: published.offset,
      message: { offset: message.offset, event: message.event, data: message.data },
      errorName: new Switchboard.NotConnectedError('publish').name,
    });
  } catch (error) {
    document.body.dataset.error = String(error?.stack ?? error);
  }
}

/**
 * The chat demo: one room, messages and who is online, built only on `@switchboard/client`
 * and the browser's own WebSocket. Bundled by esbuild for the browser (see server.ts): a
 * Node-only import anywhere in the SDK would fail that build.
 */
import {
  type ConnectionState,
  ConnectRejectedError,
  type MessagePush,
  StaleTokenError,
  SwitchboardClient,
} from '@switchboard/client';

interface DemoConfig {
  wsUrl: string;
  room: string;
}

const params = new URLSearchParams(location.search);
const user = params.get('user') ?? `guest-${Math.floor(Math.random() * 1000)}`;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function main(): Promise<void> {
  const config = (await (await fetch('/config')).json()) as DemoConfig;
  const room = params.get('room') ?? config.room;
  const wsUrl = params.get('ws') ?? config.wsUrl;
  $('room').textContent = room;
  $('me').textContent = `you are ${user}`;

  // `?token=…` tries a token of your own (an expired or foreign one shows how a refusal looks).
  const fixedToken = params.get('token');
  const client = new SwitchboardClient({
    url: wsUrl,
    // Asked again on every (re)connect and before the token expires.
    token:
      fixedToken ??
      (async () => {
        const response = await fetch(`/token?user=${encodeURIComponent(user)}`);
        if (!response.ok) throw new Error(`token endpoint: ${response.status}`);
        return ((await response.json()) as { token: string }).token;
      }),
    heartbeatGraceMs: Number(params.get('grace') ?? 10_000),
  });

  const list = $<HTMLUListElement>('messages');
  const byOffset = new Map<number, HTMLLIElement>();

  const render = (message: MessagePush) => {
    // The SDK never delivers an offset twice; history reloads can overlap, so key by offset.
    if (byOffset.has(message.offset)) return;
    const data = message.data as { text?: string };
    const item = document.createElement('li');
    const own = message.from.user === user;
    item.dataset['offset'] = String(message.offset);
    item.dataset['user'] = message.from.user;
    item.classList.toggle('own', own);
    item.innerHTML =
      '<div class="meta"><span class="who"></span><span class="offset"></span><time></time></div><div class="text"></div>';
    (item.querySelector('.offset') as HTMLElement).textContent = `#${message.offset}`;
    (item.querySelector('.who') as HTMLElement).textContent = own ? 'you' : message.from.user;
    const sentAt = new Date(message.ts);
    const time = item.querySelector('time') as HTMLTimeElement;
    time.dateTime = sentAt.toISOString();
    time.title = sentAt.toLocaleString();
    time.textContent = sentAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    (item.querySelector('.text') as HTMLElement).textContent = data.text ?? JSON.stringify(message.data);
    // Insert in offset order (recovered messages arrive in order, so this is nearly always append).
    let before: HTMLLIElement | null = null;
    for (const [offset, element] of byOffset) {
      if (offset > message.offset && (!before || offset < Number(before.dataset['offset']))) before = element;
    }
    list.insertBefore(item, before);
    byOffset.set(message.offset, item);
    list.scrollTop = list.scrollHeight;
  };

  const loadHistory = async () => {
    try {
      const { messages } = await client.history(room, { limit: 100 });
      for (const message of messages) render(message);
    } catch (error) {
      // Offline right now: the SDK's recovery delivers what is missed once back.
      console.warn('history not loaded', error);
    }
  };

  const setState = (state: ConnectionState, detail = '') => {
    const status = $('status');
    status.dataset['state'] = state;
    status.textContent = detail ? `${state} (${detail})` : state;
  };
  const showQueued = () => {
    $('queued').textContent = client.queued > 0 ? `${client.queued} queued` : '';
  };
  const notice = (text: string, kind: 'info' | 'rejected' = 'info') => {
    const element = $('notice');
    element.textContent = text;
    element.dataset['kind'] = kind;
    element.classList.toggle('shown', text !== '');
  };

  client.on('state', ({ state }) => setState(state));
  client.on('connected', () => {
    if ($('notice').dataset['kind'] === 'rejected') notice('');
  });
  client.on('disconnected', (e) => {
    const retry =
      e.delayMs !== undefined
        ? `retrying in ${Math.round(e.delayMs / 100) / 10}s`
        : 'waiting for the network';
    setState('disconnected', e.reconnect ? retry : 'stopped');
    // The server's own words, e.g. "connect rejected: token expired (1101)".
    if (!e.reconnect && e.error) notice(`${e.error.message} — not reconnecting.`, 'rejected');
  });
  client.on('message', (message) => {
    if (message.room === room) render(message);
  });
  client.on('unrecovered', (e) => {
    if (e.room !== room) return;
    // Some messages could not be recovered: start over from history.
    notice('Some messages could not be recovered; reloaded the room.');
    list.replaceChildren();
    byOffset.clear();
    void loadHistory();
  });
  client.on('presence', (e) => {
    if (e.room !== room) return;
    const users = [...new Set(e.members.map((m) => m.user))].sort();
    $('members').replaceChildren(
      ...users.map((name) => {
        const item = document.createElement('li');
        item.textContent = name;
        return item;
      }),
    );
  });
  client.on('error', (error) => {
    console.warn(`[switchboard] ${error.code}: ${error.message}`);
    // A refused connect: say why (the client retries when a retry can help, see `disconnected`).
    if (error instanceof ConnectRejectedError || error instanceof StaleTokenError) {
      notice(`${error.message} — retrying.`, 'rejected');
    }
  });

  $<HTMLFormElement>('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('text');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    client.publish(room, 'say', { text }).then(showQueued, (error: Error) => {
      notice(`Not sent: ${error.message}`);
      showQueued();
    });
    showQueued();
  });

  void client.connect();
  try {
    await client.join(room, { presence: true });
  } catch (error) {
    // The client stopped for good (a refused token): the notice says why.
    document.body.dataset['stopped'] = (error as Error).message;
    return;
  }
  await loadHistory();
  // For the browser test and for poking at it from the console.
  (window as unknown as { demo: unknown }).demo = { client, room, user };
  document.body.dataset['ready'] = 'true';
}

main().catch((error: unknown) => {
  document.body.dataset['failed'] = String(error);
  console.error(error);
});

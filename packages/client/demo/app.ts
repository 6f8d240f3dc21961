/**
 * The chat demo: one room, messages and who is online, built only on `@switchboard/client`
 * and the browser's own WebSocket. Bundled by esbuild for the browser (see server.ts): a
 * Node-only import anywhere in the SDK would fail that build.
 */
import { type ConnectionState, type MessagePush, SwitchboardClient } from '@switchboard/client';

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

  const client = new SwitchboardClient({
    url: wsUrl,
    // Asked again on every (re)connect and before the token expires.
    token: async () => {
      const response = await fetch(`/token?user=${encodeURIComponent(user)}`);
      if (!response.ok) throw new Error(`token endpoint: ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    heartbeatGraceMs: Number(params.get('grace') ?? 10_000),
  });

  const list = $<HTMLUListElement>('messages');
  const byOffset = new Map<number, HTMLLIElement>();

  const render = (message: MessagePush) => {
    // The SDK never delivers an offset twice; history reloads can overlap, so key by offset.
    if (byOffset.has(message.offset)) return;
    const data = message.data as { text?: string };
    const item = document.createElement('li');
    item.dataset['offset'] = String(message.offset);
    item.dataset['user'] = message.from.user;
    item.innerHTML = '<span class="offset"></span><span class="who"></span><span class="text"></span>';
    (item.querySelector('.offset') as HTMLElement).textContent = `#${message.offset}`;
    (item.querySelector('.who') as HTMLElement).textContent = message.from.user;
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
  const notice = (text: string) => {
    const element = $('notice');
    element.textContent = text;
    element.classList.toggle('shown', text !== '');
  };

  client.on('state', ({ state }) => setState(state));
  client.on('disconnected', (e) => {
    setState(
      'disconnected',
      e.reconnect ? `retrying in ${Math.round((e.delayMs ?? 0) / 100) / 10}s` : e.reason,
    );
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
  client.on('error', (error) => console.warn(`[switchboard] ${error.code}: ${error.message}`));

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
  await client.join(room, { presence: true });
  await loadHistory();
  // For the browser test and for poking at it from the console.
  (window as unknown as { demo: unknown }).demo = { client, room, user };
  document.body.dataset['ready'] = 'true';
}

main().catch((error: unknown) => {
  document.body.dataset['failed'] = String(error);
  console.error(error);
});

// The ops console (docs/operations.md): Preact components written with htm, no build step.
// Every call to /api/ carries the API key as a bearer token; the key lives in sessionStorage only.

import { useCallback, useEffect, useRef, useState } from '/vendor/hooks.mjs';
import htm from '/vendor/htm.mjs';
import { h, render } from '/vendor/preact.mjs';

const html = htm.bind(h);
const KEY_STORAGE = 'switchboard-console-key';
const POLL_MS = 2000;
const TAIL_LINES = 200;

class Unauthorized extends Error {}

/** A refused or failed request, with its error code from the server (e.g. `1000 bad_request`). */
class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

async function api(key, path, body) {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 401) throw new Unauthorized('the API key was refused');
  const json = await res.json();
  if (!res.ok)
    throw new ApiError(
      json.error ?? `HTTP ${res.status}`,
      json.code ? `${json.number ?? ''} ${json.code}`.trim() : `HTTP ${res.status}`,
    );
  return json;
}

function Login({ onKey, error }) {
  const [key, setKey] = useState('');
  const submit = (e) => {
    e.preventDefault();
    if (key.trim()) onKey(key.trim());
  };
  return html`<section class="login">
    <h2>Switchboard ops console</h2>
    <p class="muted">Sign in with a server API key (one of SB_API_KEYS). It is kept for this tab only.</p>
    <form onSubmit=${submit}>
      <input
        id="api-key"
        type="password"
        placeholder="API key"
        autocomplete="current-password"
        value=${key}
        onInput=${(e) => setKey(e.currentTarget.value)}
        size="36"
      />
      <button type="submit">Sign in</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}

function age(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function Stat({ label, value, id }) {
  return html`<div class="stat" id=${id}><b>${value}</b><span>${label}</span></div>`;
}

function Nodes({ info, now }) {
  const nodes = [...info.nodes].sort((a, b) => a.kind.localeCompare(b.kind) || a.node.localeCompare(b.node));
  return html`<section id="nodes">
    <h2>Cluster nodes</h2>
    <table>
      <thead>
        <tr><th>Node</th><th>Role</th><th>Version</th><th>Up</th><th>Connections</th><th>Rooms</th><th>Seen</th></tr>
      </thead>
      <tbody>
        ${nodes.map(
          (n) => html`<tr key=${n.node}>
            <td>${n.node}</td>
            <td>${n.kind}</td>
            <td>${n.version}</td>
            <td>${age(now - n.startedAt)}</td>
            <td>${n.kind === 'edge' ? n.connections : ''}</td>
            <td>${n.kind === 'edge' ? n.rooms : ''}</td>
            <td>${age(now - n.lastSeen)} ago</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">Answered by ${info.answeredBy}, from the nodes' heartbeats.</p>
  </section>`;
}

function Rooms({ rooms, traffic, selected, onSelect }) {
  const rate = new Map(traffic.rooms.map((r) => [r.room, r.perSecond]));
  return html`<section id="rooms">
    <h2>Rooms</h2>
    ${rooms.length === 0 && html`<p class="muted">No room has members.</p>`}
    <table>
      <thead><tr><th>Room</th><th>Connections</th><th>Users</th><th>Messages/s</th></tr></thead>
      <tbody>
        ${rooms.map(
          (r) => html`<tr
            key=${r.room}
            class=${`selectable${r.room === selected ? ' selected' : ''}`}
            onClick=${() => onSelect(r.room)}
          >
            <td>${r.room}</td>
            <td>${r.connections}</td>
            <td>${r.users}</td>
            <td>${(rate.get(r.room) ?? 0).toFixed(1)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** One delivered frame as a tail line: offset, event, data and sender; other frames as they are. */
function tailLine(raw) {
  try {
    const frame = JSON.parse(raw);
    if (frame.t === 'msg') {
      const time = new Date(frame.ts).toLocaleTimeString();
      return `${time}  #${frame.offset}  ${frame.event}  ${JSON.stringify(frame.data)}  ← ${frame.from?.user ?? '?'}`;
    }
    if (frame.t === 'presence') {
      const who = (list) => (list ?? []).map((m) => m.user).join(', ');
      return `presence  ${frame.joins ? `joined: ${who(frame.joins)}` : ''}${frame.leaves ? `left: ${who(frame.leaves)}` : ''}`;
    }
  } catch {
    // not JSON: shown as received
  }
  return raw;
}

/** A server-sent event stream read with fetch, so the key goes in a header. */
function useTail(key, room, onLine) {
  useEffect(() => {
    if (!room) return undefined;
    const abort = new AbortController();
    (async () => {
      const res = await fetch(`/api/tail?room=${encodeURIComponent(room)}`, {
        headers: { Authorization: `Bearer ${key}` },
        signal: abort.signal,
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        const events = buffered.split('\n\n');
        buffered = events.pop() ?? '';
        for (const event of events) {
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) onLine(tailLine(data));
        }
      }
    })().catch(() => {});
    return () => abort.abort();
  }, [key, room, onLine]);
}

function Room({ apiKey, room, onUnauthorized }) {
  const [detail, setDetail] = useState(undefined);
  const [lines, setLines] = useState([]);
  const [note, setNote] = useState('');
  const [event, setEvent] = useState('console.test');
  const [data, setData] = useState('{"hello":"from the console"}');
  const [user, setUser] = useState('');
  const tailBox = useRef(null);

  const load = useCallback(() => {
    api(apiKey, `/api/room?room=${encodeURIComponent(room)}`).then(setDetail, (e) => {
      if (e instanceof Unauthorized) onUnauthorized(e.message);
      else setNote(e.message);
    });
  }, [apiKey, room, onUnauthorized]);
  useEffect(() => {
    setLines([]);
    load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  const onLine = useCallback((line) => setLines((old) => [...old.slice(-(TAIL_LINES - 1)), line]), []);
  useTail(apiKey, room, onLine);
  useEffect(() => {
    if (tailBox.current) tailBox.current.scrollTop = tailBox.current.scrollHeight;
  }, [lines]);

  const publish = async (e) => {
    e.preventDefault();
    try {
      const parsed = data.trim() === '' ? null : JSON.parse(data);
      const result = await api(apiKey, '/api/publish', { room, event, data: parsed });
      setNote(`published at offset ${result.offset}`);
    } catch (error) {
      setNote(error instanceof SyntaxError ? 'data must be JSON' : error.message);
    }
  };
  const disconnect = async (who) => {
    if (!who) return;
    try {
      await api(apiKey, '/api/disconnect', { user: who });
      setNote(`disconnected ${who}`);
    } catch (error) {
      setNote(error.message);
    }
  };

  return html`<section id="room">
    <h2>Room ${room}</h2>
    ${
      detail &&
      html`<p class="muted" id="room-stats">
        ${detail.stats ? `${detail.stats.connections} connections, ${detail.stats.users} users` : 'presence is off here'}
      </p>`
    }
    <h2>Presence</h2>
    <table id="members">
      <thead><tr><th>User</th><th>Connection</th><th></th></tr></thead>
      <tbody>
        ${(detail?.members ?? []).map(
          (m) => html`<tr key=${m.conn}>
            <td>${m.user}</td>
            <td class="muted">${m.conn}</td>
            <td><button class="danger" onClick=${() => disconnect(m.user)}>Disconnect</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <h2>Live tail</h2>
    <div class="tail" id="tail" ref=${tailBox}>
      ${lines.length === 0 && html`<div class="muted">Waiting for messages…</div>`}
      ${lines.map((l, i) => html`<div key=${i}>${l}</div>`)}
    </div>
    <h2>Actions</h2>
    <form id="publish" onSubmit=${publish}>
      <input value=${event} onInput=${(e) => setEvent(e.currentTarget.value)} size="14" aria-label="event" />
      <input value=${data} onInput=${(e) => setData(e.currentTarget.value)} size="30" aria-label="data (JSON)" />
      <button type="submit">Publish test message</button>
    </form>
    <form
      id="disconnect"
      onSubmit=${(e) => {
        e.preventDefault();
        disconnect(user.trim());
      }}
    >
      <input placeholder="user id" value=${user} onInput=${(e) => setUser(e.currentTarget.value)} size="14" aria-label="user" />
      <button type="submit" class="danger">Disconnect user</button>
    </form>
    ${note && html`<p class="ok" id="note" role="status">${note}</p>`}
  </section>`;
}

/** Revoke one token by its `jti` (optionally until a time), or every token of a user issued before now. */
function Revoke({ apiKey, onUnauthorized }) {
  const [jti, setJti] = useState('');
  const [until, setUntil] = useState('');
  const [user, setUser] = useState('');
  const [result, setResult] = useState(undefined);

  const run = async (path, body, describe) => {
    try {
      const reply = await api(apiKey, path, body);
      setResult({ ok: true, text: describe(reply) });
    } catch (error) {
      if (error instanceof Unauthorized) onUnauthorized(error.message);
      else
        setResult({
          ok: false,
          text: error instanceof ApiError ? `${error.code}: ${error.message}` : error.message,
        });
    }
  };
  const revokeToken = (e) => {
    e.preventDefault();
    const id = jti.trim();
    if (!id) return;
    // datetime-local is the operator's local time; empty: the server's default (SB_REVOCATION_TTL_S).
    const untilMs = until ? new Date(until).getTime() : undefined;
    run(
      '/api/revoke-token',
      { jti: id, ...(untilMs === undefined ? {} : { until: untilMs }) },
      (r) => `revoked token ${id} until ${new Date(r.until).toLocaleString()}`,
    );
  };
  const revokeUser = (e) => {
    e.preventDefault();
    const who = user.trim();
    if (!who) return;
    run(
      '/api/revoke-user',
      { user: who },
      (r) => `revoked every token of ${who} issued before ${new Date(r.issuedBefore).toLocaleString()}`,
    );
  };

  return html`<section id="revoke">
    <h2>Revoke</h2>
    <p class="muted">Connections holding a revoked token are closed with 4501 on every edge, and the token is refused from then on.</p>
    <form id="revoke-token" onSubmit=${revokeToken}>
      <input placeholder="token jti" value=${jti} onInput=${(e) => setJti(e.currentTarget.value)} size="18" aria-label="jti" />
      <input type="datetime-local" value=${until} onInput=${(e) => setUntil(e.currentTarget.value)} aria-label="until (optional)" title="until (optional): when the revocation may be forgotten" />
      <button type="submit" class="danger">Revoke token</button>
    </form>
    <form id="revoke-user" onSubmit=${revokeUser}>
      <input placeholder="user id" value=${user} onInput=${(e) => setUser(e.currentTarget.value)} size="18" aria-label="user" />
      <button type="submit" class="danger">Revoke user's tokens</button>
    </form>
    ${
      result &&
      (result.ok
        ? html`<p class="ok" id="revoke-note" role="status">${result.text}</p>`
        : html`<p class="error" id="revoke-note" role="alert">${result.text}</p>`)
    }
  </section>`;
}

function Console({ apiKey, onUnauthorized, onSignOut }) {
  const [overview, setOverview] = useState(undefined);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState('');
  const previous = useRef(undefined);
  const [connectionRate, setConnectionRate] = useState(0);

  useEffect(() => {
    let stopped = false;
    const poll = () =>
      api(apiKey, '/api/overview').then(
        (next) => {
          if (stopped) return;
          const before = previous.current;
          if (before) {
            const seconds = Math.max(0.001, (next.now - before.now) / 1000);
            setConnectionRate((next.info.connections - before.info.connections) / seconds);
          }
          previous.current = next;
          setOverview(next);
          setError('');
        },
        (e) => (e instanceof Unauthorized ? onUnauthorized(e.message) : setError(e.message)),
      );
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [apiKey, onUnauthorized]);

  return html`<header>
      <h1>Switchboard ops console</h1>
      <button onClick=${onSignOut}>Sign out</button>
    </header>
    <main>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${!overview && !error && html`<p class="muted">Loading…</p>`}
      ${
        overview &&
        html`<div class="stats">
            <${Stat} id="stat-nodes" label="nodes" value=${overview.info.nodes.length} />
            <${Stat} id="stat-connections" label="connections" value=${overview.info.connections} />
            <${Stat} id="stat-connection-rate" label="connections/s (change)" value=${connectionRate.toFixed(1)} />
            <${Stat} id="stat-rooms" label="rooms with members" value=${overview.rooms.length} />
            <${Stat} id="stat-messages" label="messages/s" value=${overview.traffic.messagesPerSecond.toFixed(1)} />
          </div>
          <div class="grid">
            <${Nodes} info=${overview.info} now=${overview.now} />
            <${Rooms} rooms=${overview.rooms} traffic=${overview.traffic} selected=${selected} onSelect=${setSelected} />
            ${selected && html`<${Room} apiKey=${apiKey} room=${selected} onUnauthorized=${onUnauthorized} />`}
            <${Revoke} apiKey=${apiKey} onUnauthorized=${onUnauthorized} />
          </div>`
      }
    </main>`;
}

function App() {
  const [key, setKey] = useState(() => sessionStorage.getItem(KEY_STORAGE) ?? '');
  const [error, setError] = useState('');
  const signIn = (k) => {
    sessionStorage.setItem(KEY_STORAGE, k);
    setError('');
    setKey(k);
  };
  const signOut = useCallback((message) => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey('');
    setError(typeof message === 'string' ? message : '');
  }, []);
  if (!key) return html`<${Login} onKey=${signIn} error=${error} />`;
  return html`<${Console} apiKey=${key} onUnauthorized=${signOut} onSignOut=${() => signOut('')} />`;
}

const root = document.getElementById('app');
root.textContent = ''; // the static "Loading…" placeholder
render(html`<${App} />`, root);

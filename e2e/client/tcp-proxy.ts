import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the server, so a test can take one client offline while others stay
 * connected: `cut()` resets every link and refuses new ones (a network outage), `freeze()`
 * keeps links open but silent (a dead NAT entry: only heartbeats notice), `muteReplies()`
 * lets the client's frames through but loses the server's (commands are applied, their acks
 * never arrive), `restore()` lets traffic through again.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #mode: 'open' | 'cut' | 'frozen' = 'open';
  /** Links accepted so far (each WebSocket connection is one). */
  accepted = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (proxy) proxy.#accept(client, targetPort, targetHost);
    });
    proxy = new TcpProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy not listening');
    return address.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Resets every open link and refuses new ones until `restore()`. */
  cut(): void {
    this.#mode = 'cut';
    for (const pair of this.#pairs) {
      pair.frozen = false;
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Stops forwarding on every link (and new ones) without closing anything. */
  freeze(): void {
    this.#mode = 'frozen';
    for (const pair of this.#pairs) freezePair(pair);
  }

  /** From now on, on open links, the server's bytes are discarded; the client's still arrive. */
  muteReplies(): void {
    for (const pair of this.#pairs) {
      pair.upstream.unpipe(pair.client);
      // Flowing without a consumer: the data is read and dropped.
      pair.upstream.resume();
    }
  }

  /** New links are forwarded normally again (frozen or muted links stay as they are). */
  restore(): void {
    this.#mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, port: number, host: string): void {
    if (this.#mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    this.accepted += 1;
    const upstream = connect(port, host);
    const pair: Pair = { client, upstream, frozen: false };
    this.#pairs.add(pair);
    const end = () => {
      // A frozen link is a dead path: one side closing is not seen by the other (no FIN gets
      // through); what is left is destroyed by cut() or close().
      if (pair.frozen) return;
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (this.#mode === 'frozen') {
      freezePair(pair);
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

interface Pair {
  client: Socket;
  upstream: Socket;
  frozen: boolean;
}

function freezePair(pair: Pair): void {
  pair.frozen = true;
  pair.client.unpipe();
  pair.upstream.unpipe();
  pair.client.pause();
  pair.upstream.pause();
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from './bus.js';
import { BadSubjectError, NoRespondersError, TimeoutError } from './errors.js';
import { decodeText, encodeText } from './json.js';

/**
 * The bus contract. Every Bus implementation runs this same suite; `connect` returns a new
 * client to the same bus each time it is called (two calls = two services talking).
 */
export function busContract(name: string, connect: () => Promise<Bus>): void {
  describe(`Bus contract: ${name}`, () => {
    const opened: Bus[] = [];
    let a: Bus;
    let b: Bus;
    const open = async (): Promise<Bus> => {
      const bus = await connect();
      opened.push(bus);
      return bus;
    };

    beforeEach(async () => {
      a = await open();
      b = await open();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });

    it('delivers a publish to a subscriber on another client, with headers', async () => {
      const got = collect(b, 'c.one');
      await b.flush();
      a.publish('c.one', encodeText('hello'), { headers: { traceparent: '00-abc-def-01' } });
      const [msg] = await got.waitFor(1);
      expect(decodeText(msg!.data)).toBe('hello');
      expect(msg!.subject).toBe('c.one');
      expect(msg!.headers?.['traceparent']).toBe('00-abc-def-01');
    });

    it('keeps the order of one publisher', async () => {
      const got = collect(b, 'c.order');
      await b.flush();
      for (let i = 0; i < 200; i++) a.publish('c.order', encodeText(String(i)));
      const msgs = await got.waitFor(200);
      expect(msgs.map((m) => Number(decodeText(m.data)))).toEqual([...Array(200).keys()]);
    });

    it('matches * and > wildcards as NATS does', async () => {
      const star = collect(b, 'w.*.x');
      const tail = collect(b, 'w.>');
      await b.flush();
      a.publish('w.1.x', encodeText('1'));
      a.publish('w.2.y', encodeText('2'));
      a.publish('w.3.x.z', encodeText('3'));
      expect((await tail.waitFor(3)).map((m) => decodeText(m.data))).toEqual(['1', '2', '3']);
      expect((await star.waitFor(1)).map((m) => decodeText(m.data))).toEqual(['1']);
      await settle(a);
      expect(star.messages).toHaveLength(1);
    });

    it('gives each message to exactly one member of a queue group, and to every plain subscriber', async () => {
      const q1 = collect(a, 'c.q', 'workers');
      const q2 = collect(b, 'c.q', 'workers');
      const plain = collect(b, 'c.q');
      await Promise.all([a.flush(), b.flush()]);
      for (let i = 0; i < 100; i++) a.publish('c.q', encodeText(String(i)));
      await plain.waitFor(100);
      await settle(a);
      expect(q1.messages.length + q2.messages.length).toBe(100);
      const all = [...q1.messages, ...q2.messages].map((m) => decodeText(m.data));
      expect(new Set(all).size).toBe(100);
    });

    it('stops delivering after unsubscribe', async () => {
      const got = collect(b, 'c.unsub');
      await b.flush();
      a.publish('c.unsub', encodeText('1'));
      await got.waitFor(1);
      got.sub.unsubscribe();
      await b.flush();
      a.publish('c.unsub', encodeText('2'));
      await settle(a);
      expect(got.messages).toHaveLength(1);
    });

    it('answers requests, with headers both ways', async () => {
      b.subscribe(
        'c.echo',
        (msg) => {
          b.publish(msg.reply!, encodeText(`re:${decodeText(msg.data)}:${msg.headers?.['x-k'] ?? ''}`));
        },
        { queue: 'echo' },
      );
      await b.flush();
      const reply = await a.request('c.echo', encodeText('ping'), {
        timeoutMs: 2000,
        headers: { 'x-k': 'v' },
      });
      expect(decodeText(reply.data)).toBe('re:ping:v');
    });

    it('rejects a request nobody answers with NoRespondersError', async () => {
      await expect(a.request('c.nobody', encodeText('x'), { timeoutMs: 2000 })).rejects.toBeInstanceOf(
        NoRespondersError,
      );
    });

    it('rejects a request whose responder stays silent with TimeoutError', async () => {
      b.subscribe('c.silent', () => {});
      await b.flush();
      const started = Date.now();
      await expect(a.request('c.silent', encodeText('x'), { timeoutMs: 150 })).rejects.toBeInstanceOf(
        TimeoutError,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('refuses subjects NATS would refuse', () => {
      expect(() => a.publish('bad..subject', encodeText('x'))).toThrow(BadSubjectError);
      expect(() => a.publish('wild.*', encodeText('x'))).toThrow(BadSubjectError);
      expect(() => a.subscribe('a.>.b', () => {})).toThrow(BadSubjectError);
    });

    it('reports connected, then closed after close()', async () => {
      expect(a.status()).toBe('connected');
      const seen: string[] = [];
      a.onStatus((s) => seen.push(s));
      await a.close();
      expect(a.status()).toBe('closed');
      expect(seen).toContain('closed');
    });
  });
}

function collect(bus: Bus, subject: string, queue?: string) {
  const messages: BusMessage[] = [];
  const waiters: Array<() => void> = [];
  const sub = bus.subscribe(
    subject,
    (msg) => {
      messages.push(msg);
      for (const w of waiters.splice(0)) w();
    },
    queue ? { queue } : undefined,
  );
  return {
    sub,
    messages,
    async waitFor(count: number, timeoutMs = 3000): Promise<BusMessage[]> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline)
          throw new Error(`got ${messages.length} of ${count} messages on ${subject}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return messages.slice(0, count);
    },
  };
}

/** Lets in-flight deliveries land: a round trip through the server, then a short pause. */
async function settle(bus: Bus): Promise<void> {
  await bus.flush();
  await new Promise((resolve) => setTimeout(resolve, 50));
}

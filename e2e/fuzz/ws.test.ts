import { CloseCode, ErrorCode } from '@switchboard/protocol';
import { startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  brokenToken,
  flipChars,
  int,
  mulberry32,
  mutateObject,
  nestedText,
  pick,
  type Rng,
} from './mutate.js';

/**
 * Mutated client frames against a real server (all services in one process, memory backends):
 * no reply may be an internal error (2003), no close may use a code outside the documented
 * ones, and the server must keep answering. Seeded: SWITCHBOARD_FUZZ_SEED reproduces a run.
 * SWITCHBOARD_FUZZ_FRAMES sets the count (default 20,000: under 30 s on a shared 2-core machine).
 */
const SEED = Number(process.env['SWITCHBOARD_FUZZ_SEED'] ?? 20_261_128);
const FRAMES = Number(process.env['SWITCHBOARD_FUZZ_FRAMES'] ?? 20_000);
const SESSIONS = 4;
const BARRIER_ID = 2_000_000_000;

/** Close codes docs/protocol.md lists: the server's own, and the standard ones a peer may see (not 1006). */
const DOCUMENTED_CLOSES = new Set<number>([
  ...Object.values(CloseCode),
  ...Array.from({ length: 16 }, (_, i) => 1000 + i).filter((code) => code !== 1006),
]);

interface Findings {
  frames: number;
  internal: string[];
  badCloses: string[];
  hangs: number;
}

const ROOMS = ['chat:lobby', 'chat:x', 'dm:fuzz', 'a/b', 'r'];

function baseCommand(rng: Rng, token: string): Record<string, unknown> {
  const room = pick(rng, ROOMS);
  return pick(rng, [
    { op: 'join', room, since: { offset: int(rng, 5), epoch: 'e' } },
    { op: 'leave', room },
    { op: 'publish', room, event: 'say', data: { text: 'hi' }, key: `k${int(rng, 20)}` },
    { op: 'presence', room },
    { op: 'history', room, limit: 1 + int(rng, 50), reverse: rng() < 0.5 },
    { op: 'ping' },
    { op: 'refresh', token },
    { op: 'connect', token },
  ]);
}

function mutatedFrame(rng: Rng, token: string): string | Buffer {
  const command = { ...baseCommand(rng, token), ...(rng() < 0.8 ? { id: int(rng, 100_000) } : {}) };
  switch (int(rng, 12)) {
    case 0:
      return JSON.stringify(command);
    case 1:
    case 2:
    case 3:
      return JSON.stringify(mutateObject(rng, command));
    case 4:
    case 5:
      return flipChars(rng, JSON.stringify(command));
    case 6:
      return `{"op":"publish","id":${int(rng, 1000)},"room":"r","event":"e","data":${nestedText(60 + int(rng, 30_000))}}`;
    case 7:
      return JSON.stringify({ ...command, op: 'refresh', token: brokenToken(rng, token) });
    case 8:
      return `{"op":"publish","room":"r","event":"e","data":${'['.repeat(int(rng, 40_000))}`;
    case 9:
      return Buffer.from(JSON.stringify(command));
    case 10:
      return pick(rng, ['', 'null', '[]', '"x"', '{}', '{"op":null}', '{"op":"nope"}', '1e999', '{"id":-1}']);
    default:
      return JSON.stringify({
        ...command,
        op: pick(rng, ['join', 'publish', 'history']),
        room: flipChars(rng, 'chat:lobby'),
      });
  }
}

/** One connection's life: connect (good or broken token), a burst of frames, a barrier ping. */
async function session(
  url: string,
  rng: Rng,
  goodToken: string,
  budget: number,
  findings: Findings,
): Promise<number> {
  const ws = new WebSocket(url);
  let sent = 0;
  let closeCode: number | undefined;
  const waiters = new Map<number, () => void>();
  const closed = new Promise<void>((resolve) => {
    ws.on('close', (code, reason) => {
      closeCode = code;
      if (!DOCUMENTED_CLOSES.has(code)) findings.badCloses.push(`${code} ${String(reason)}`);
      for (const wake of waiters.values()) wake();
      resolve();
    });
  });
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as {
      id?: number;
      error?: { code: number; message: string };
      t?: string;
      code?: number;
    };
    if (frame.error?.code === ErrorCode.Internal) findings.internal.push(frame.error.message);
    if (frame.t === 'disconnect' && frame.code !== undefined && !DOCUMENTED_CLOSES.has(frame.code)) {
      findings.badCloses.push(`push ${frame.code}`);
    }
    if (frame.id !== undefined) waiters.get(frame.id)?.();
  });
  const reply = (id: number, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (closeCode !== undefined) return resolve(true);
      const timer = setTimeout(() => resolve(false), timeoutMs);
      waiters.set(id, () => {
        clearTimeout(timer);
        waiters.delete(id);
        resolve(true);
      });
    });
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
  if (!opened) return 0;

  const good = rng() < 0.75;
  ws.send(JSON.stringify({ op: 'connect', id: 1, token: good ? goodToken : brokenToken(rng, goodToken) }));
  sent++;
  if (!(await reply(1, 5_000))) findings.hangs++;
  const burst = Math.min(budget, 50 + int(rng, 450));
  for (let i = 0; i < burst && closeCode === undefined; i++) {
    const frame = mutatedFrame(rng, goodToken);
    ws.send(frame, { binary: Buffer.isBuffer(frame) });
    sent++;
    if (ws.bufferedAmount > 1_000_000) await new Promise((r) => setTimeout(r, 5));
  }
  if (closeCode === undefined) {
    ws.send(JSON.stringify({ op: 'ping', id: BARRIER_ID }));
    sent++;
    if (!(await reply(BARRIER_ID, 10_000))) findings.hangs++;
  }
  if (closeCode === undefined) ws.close();
  await closed;
  return sent;
}

describe('fuzzing the WebSocket protocol', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    // Limits high enough that the fuzzer is not simply rate limited (rate limiting is tested elsewhere).
    sb = await startSwitchboard({
      config: {
        connectionRate: 1_000_000,
        connectionBurst: 1_000_000,
        userPublishRate: 0,
        maxConnections: 1_000,
      },
    });
  });
  afterAll(() => sb?.stop());

  it(`${FRAMES} mutated frames (seed ${SEED}): no 2003, only documented close codes, no hang or crash`, {
    timeout: 120_000,
  }, async () => {
    const findings: Findings = { frames: 0, internal: [], badCloses: [], hangs: 0 };
    const started = Date.now();
    await Promise.all(
      Array.from({ length: SESSIONS }, async (_, worker) => {
        const rng = mulberry32(SEED + worker);
        const token = sb.token(`fuzz${worker}`, {
          join: ['chat:*', 'dm:{user}', 'r'],
          publish: ['chat:*', 'r'],
        });
        while (findings.frames < FRAMES) {
          findings.frames += await session(sb.wsUrl, rng, token, FRAMES - findings.frames, findings);
        }
      }),
    );
    const elapsed = Date.now() - started;
    expect(findings.internal, 'internal errors').toEqual([]);
    expect(findings.badCloses, 'undocumented close codes').toEqual([]);
    expect(findings.hangs, 'commands left unanswered').toBe(0);
    // Still serving.
    const health = await fetch(`${sb.httpUrl}/readyz`);
    expect(health.status).toBe(200);
    console.info(`ws fuzz: ${findings.frames} frames in ${elapsed} ms (seed ${SEED})`);
  });
});

import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CloseCode } from '@switchboard/protocol';
import { connectSocket, spawnTsx, startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));
let sb: TestSwitchboard;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sb = await startSwitchboard({ config: { presenceRooms: ['*'] } });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sb?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx packages/cli/src/main.ts …` as a user would, with env fallbacks set. */
function cli(args: string[], env: Record<string, string> = {}): { done: Promise<Run>; child: ChildProcess } {
  const proc = spawnTsx(MAIN, args, {
    SWITCHBOARD_GRPC: sb.grpcUrl,
    SWITCHBOARD_API_KEY: sb.apiKey,
    SWITCHBOARD_URL: sb.wsUrl,
    SWITCHBOARD_JWT_SECRET: sb.secret,
    ...env,
  });
  children.push(proc.child);
  const done = proc.exited.then((code) => ({ code, stdout: proc.stdout(), stderr: proc.stderr() }));
  return { done, child: proc.child };
}
const run = (args: string[], env?: Record<string, string>) => cli(args, env).done;

describe('switchboard CLI against the embedded server', { timeout: 60_000 }, () => {
  it('token mints a token the server accepts (human and --json)', async () => {
    const [plain, json] = await Promise.all([
      run(['token', '--user', 'alice', '--rooms', 'chat:*', '--name', 'Alice']),
      run(['token', '--user', 'bob', '--json']),
    ]);
    expect(plain.code).toBe(0);
    const token = plain.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const socket = await connectSocket(sb.wsUrl, token);
    await socket.call({ op: 'join', room: 'chat:cli' });
    socket.close();
    expect(JSON.parse(json.stdout)).toMatchObject({ user: 'bob', token: expect.any(String) });
  });

  it('tail prints messages as publish sends them; publish prints the offset', async () => {
    const tail = cli(['tail', 'chat:tail', '--count', '2', '--json']);
    // Wait until the tail has joined (it is a member, so presence shows it).
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const members = await run(['presence', 'chat:tail', '--stats', '--json']);
      if (members.code === 0 && JSON.parse(members.stdout).connections === 1) break;
    }
    const first = await run(['publish', 'chat:tail', 'say', '{"text":"hi"}']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^published to chat:tail: offset 1, epoch \S+/);
    const second = await run([
      'publish',
      'chat:tail',
      'say',
      '"two"',
      '--json',
      '--key',
      'k',
      '--from',
      'bot',
    ]);
    expect(JSON.parse(second.stdout)).toMatchObject({ room: 'chat:tail', offset: 2, duplicate: false });
    const tailed = await tail.done;
    expect(tailed.code).toBe(0);
    const lines = tailed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const msgs = lines.filter((l) => l['t'] === 'msg');
    expect(msgs.map((m) => m['data'])).toEqual([{ text: 'hi' }, 'two']);
    expect(msgs[1]).toMatchObject({ from: { user: 'bot' }, offset: 2 });
  });

  it('history, presence, rooms and info print tables, and JSON with --json', async () => {
    const socket = await connectSocket(sb.wsUrl, sb.token('carol', { meta: { name: 'Carol' } }));
    await socket.call({ op: 'join', room: 'chat:info' });
    await socket.call({ op: 'publish', room: 'chat:info', event: 'say', data: { n: 1 } });
    const [history, historyJson, presence, presenceJson, rooms, roomsJson, info, infoJson] =
      await Promise.all([
        run(['history', 'chat:info']),
        run(['history', 'chat:info', '--json', '--limit', '5']),
        run(['presence', 'chat:info']),
        run(['presence', 'chat:info', '--json']),
        run(['rooms']),
        run(['rooms', '--all', '--json', '--limit', '1']),
        run(['info']),
        run(['info', '--json']),
      ]);
    expect(history.stdout).toMatch(/OFFSET\s+TIME\s+FROM\s+EVENT\s+DATA/);
    expect(history.stdout).toMatch(/1\s+\S+ \S+\s+carol\s+say\s+\{"n":1\}/);
    expect(JSON.parse(historyJson.stdout).messages).toEqual([
      expect.objectContaining({
        offset: 1,
        event: 'say',
        data: { n: 1 },
        from: expect.objectContaining({ user: 'carol' }),
      }),
    ]);
    expect(presence.stdout).toMatch(/carol\s+\S+\s+\{"name":"Carol"\}/);
    expect(JSON.parse(presenceJson.stdout).members).toEqual([
      expect.objectContaining({ user: 'carol', meta: { name: 'Carol' } }),
    ]);
    expect(rooms.stdout).toMatch(/chat:info\s+1\s+1/);
    expect(JSON.parse(roomsJson.stdout).rooms).toContainEqual({
      room: 'chat:info',
      connections: 1,
      users: 1,
    });
    expect(info.stdout).toMatch(/NODE\s+KIND\s+VERSION\s+CONNECTIONS/);
    expect(info.stdout).toMatch(/answered by/);
    expect(JSON.parse(infoJson.stdout).nodes).toContainEqual(expect.objectContaining({ kind: 'api' }));
    for (const r of [history, historyJson, presence, presenceJson, rooms, roomsJson, info, infoJson]) {
      expect(r.code).toBe(0);
    }
    socket.close();
  });

  it('disconnect closes the user’s connections; subscribe joins them to a room', async () => {
    const dan = await connectSocket(sb.wsUrl, sb.token('dan'));
    const sub = await run(['subscribe', 'dan', 'chat:sub', '--json']);
    expect(JSON.parse(sub.stdout)).toEqual({ ok: true, user: 'dan', room: 'chat:sub' });
    expect(await dan.push('joined', (j) => j.room === 'chat:sub')).toMatchObject({ room: 'chat:sub' });
    const out = await run(['disconnect', '--user', 'dan', '--code', '4600', '--reason', 'bye']);
    expect(out).toMatchObject({ code: 0, stdout: 'disconnect sent to every connection of dan\n' });
    expect(await dan.closed).toEqual({ code: 4600, reason: 'bye' });
    const kicked = await connectSocket(sb.wsUrl, sb.token('erin'));
    await run(['disconnect', '--user', 'erin']);
    expect((await kicked.closed).code).toBe(CloseCode.Kicked);
  });

  it('revoke --jti / --user closes the holders with 4501; usage errors exit 2', async () => {
    const minted = await run(['token', '--user', 'frank', '--rooms', '*', '--jti', 'cli-jti-1', '--json']);
    const { token } = JSON.parse(minted.stdout) as { token: string };
    const frank = await connectSocket(sb.wsUrl, token);
    const out = await run(['revoke', '--jti', 'cli-jti-1', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, jti: 'cli-jti-1', until: expect.any(Number) });
    expect((await frank.closed).code).toBe(CloseCode.Forbidden);
    const gina = await connectSocket(sb.wsUrl, sb.token('gina'));
    const byUser = await run([
      'revoke',
      '--user',
      'gina',
      '--before',
      new Date(Date.now() + 1000).toISOString(),
    ]);
    expect(byUser.code).toBe(0);
    expect(byUser.stdout).toMatch(/^tokens of gina issued before .* revoked\n$/);
    expect((await gina.closed).code).toBe(CloseCode.Forbidden);
    expect((await run(['revoke'])).code).toBe(2);
    expect((await run(['revoke', '--jti', 'x', '--user', 'y'])).code).toBe(2);
    expect((await run(['revoke', '--user', 'y', '--before', 'not-a-date'])).code).toBe(2);
  });

  it('errors: bad key (4), unreachable (3), refused request (1), usage (2), JSON errors on stderr', async () => {
    const [badKey, unreachable, badRoom, usage, badJson, missing, jsonErr, tailDown] = await Promise.all([
      run(['rooms'], { SWITCHBOARD_API_KEY: 'wrong' }),
      run(['info', '--grpc', '127.0.0.1:1']),
      run(['publish', 'bad room', 'say']),
      run(['frobnicate']),
      run(['publish', 'chat:x', 'say', '{not json']),
      run(['disconnect']),
      run(['history', 'chat:x', '--json', '--api-key', 'wrong']),
      run(['tail', 'chat:x', '--url', 'ws://127.0.0.1:1']),
    ]);
    expect(badKey.code).toBe(4);
    expect(badKey.stderr).toMatch(/refused the API key \(invalid API key\)/);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot reach the server API at 127\.0\.0\.1:1/);
    expect(badRoom.code).toBe(1);
    expect(badRoom.stderr).toMatch(/bad_request \(1000\): "room" must be/);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command "frobnicate"/);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/data must be JSON/);
    expect(missing.code).toBe(2);
    expect(jsonErr.code).toBe(4);
    expect(JSON.parse(jsonErr.stderr).error).toMatchObject({
      code: 1002,
      name: 'not_authenticated',
      exitCode: 4,
    });
    expect(tailDown.code).toBe(3);
    expect(tailDown.stderr).toMatch(/cannot reach the WebSocket server/);
    expect(badKey.stdout).toBe('');
  });

  it('--help prints usage and exits 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: switchboard <command>/);
  });
});

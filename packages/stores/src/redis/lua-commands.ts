import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis-store.js';

/**
 * The Redis stores' Lua scripts: one `.lua` file each in `lua/` beside this module, run as
 * ioredis custom commands (`defineCommand`: EVALSHA, and the full script again when the server
 * does not know it, e.g. after a restart). Every key a script touches is passed as a key, so
 * Redis Cluster can route it.
 *
 * Time inside scripts is Redis time (`TIME`), never the caller's clock: every instance then
 * measures TTLs and refills against the one clock that holds the data, however skewed the
 * hosts are. Redis 7 replicates script effects, so TIME before writes is allowed; the call to
 * `replicate_commands` only matters on Redis < 5 and is a no-op after.
 *
 * Code two scripts share (the token bucket, the history append) is a `local function` in a file
 * of `lua/lib/`, written once: a script names the libraries it calls, and their source is put
 * before its own when the command is defined, so each script is still one EVALSHA.
 *
 * The files are found from this module's URL: `src/redis/lua/` when running from source, and
 * `lua/` beside the bundled file in the production bundle (scripts/bundle.ts copies them there).
 */
export interface LuaScript {
  /** The file name in `lua/`, without `.lua`. */
  readonly file: string;
  /** How many of a call's leading arguments are keys. */
  readonly numberOfKeys: number;
  /** Files in `lua/lib/` (without `.lua`) whose functions the script calls, in the order they go before it. */
  readonly libraries?: readonly string[];
}

export type LuaCommand = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

const sources = new Map<string, string>();

/** `path` relative to `lua/`, without `.lua`. */
function luaFile(path: string): string {
  let source = sources.get(path);
  if (source === undefined) {
    source = readFileSync(new URL(`./lua/${path}.lua`, import.meta.url), 'utf8');
    sources.set(path, source);
  }
  return source;
}

/** The script as Redis runs it: its libraries, then its own file. */
function luaSource(script: LuaScript): string {
  const parts = (script.libraries ?? []).map((library) => luaFile(`lib/${library}`));
  parts.push(luaFile(script.file));
  return parts.join('\n');
}

/** `history-append` → `sbHistoryAppend`: the method name the command gets on the client. */
function commandName(file: string): string {
  return `sb${file.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase())}`;
}

type CustomCommands = Record<string, (...args: Array<string | number>) => Promise<unknown>>;

/**
 * Defines `scripts` as commands on `redis` (once per client: the stores share one) and returns
 * a function per script that runs it.
 */
export function defineLuaCommands<N extends string>(
  redis: RedisClient,
  scripts: Readonly<Record<N, LuaScript>>,
): Record<N, LuaCommand> {
  const commands = redis as unknown as CustomCommands;
  const out = {} as Record<N, LuaCommand>;
  for (const key of Object.keys(scripts) as N[]) {
    const script = scripts[key];
    const { file, numberOfKeys } = script;
    const name = commandName(file);
    if (typeof commands[name] !== 'function')
      redis.defineCommand(name, { numberOfKeys, lua: luaSource(script) });
    out[key] = (keys, args) => {
      if (keys.length !== numberOfKeys) throw new RangeError(`${file}.lua takes ${numberOfKeys} keys`);
      return commands[name]!(...keys, ...args);
    };
  }
  return out;
}

/**
 * Queues script `file` (defined on the client by `defineLuaCommands`) on `pipeline`: for a
 * script followed by a command that must run on the same connection (WAIT).
 */
export function queueLuaCommand(
  pipeline: ChainableCommander,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): void {
  const queued = pipeline as unknown as Record<string, (...args: Array<string | number>) => unknown>;
  const name = commandName(script.file);
  if (typeof queued[name] !== 'function') throw new Error(`${script.file}.lua is not defined on this client`);
  queued[name]!(...keys, ...args);
}

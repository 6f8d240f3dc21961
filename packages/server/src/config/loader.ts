import { ConfigError } from '@switchboard/bus';
import * as v from 'valibot';
import { entriesOf } from './pieces.js';
import { badValue, unknownSetting } from './problems.js';
import { type ConfigRole, ROLE_SCHEMAS, type RoleConfig, roleKeys, type StandaloneConfig } from './roles.js';
import { checkRules } from './rules.js';
import { isServiceLink } from './service-links.js';
import { SETTING_KEYS, SETTINGS, type Setting, type SettingKey } from './settings.js';

export type Environment = Readonly<Record<string, string | undefined>>;

const KNOWN_NAMES: readonly string[] = SETTING_KEYS.map((key) => SETTINGS[key].env);

/**
 * Reads and validates the configuration of one role from environment variables, once, at
 * start-up. Every setting in the environment is checked, the role's own and the others' (a
 * deployment often shares one environment between roles); the result holds the role's own
 * settings only. Throws `ConfigError` listing every problem: bad values, unknown `SB_*`
 * variables (Kubernetes service links excepted), then checks across settings.
 */
export function loadConfig<R extends ConfigRole = 'standalone'>(
  env: Environment = process.env,
  role: R = 'standalone' as R,
): RoleConfig<R> {
  const raw: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    const value = env[SETTINGS[key].env];
    if (value !== undefined && value !== '') raw[key] = value;
  }

  const own = roleKeys(role);
  const others = SETTING_KEYS.filter((key) => !own.includes(key));
  const parsed = v.safeParse(ROLE_SCHEMAS[role], raw, { abortPipeEarly: true });
  const rest = v.safeParse(v.object(entriesOf(others)), raw, { abortPipeEarly: true });

  const valueProblems = new Map<SettingKey, string>();
  for (const issue of [...(parsed.issues ?? []), ...(rest.issues ?? [])]) {
    const key = issue.path?.[0]?.key as SettingKey | undefined;
    if (key === undefined || valueProblems.has(key)) continue;
    valueProblems.set(key, badValue(SETTINGS[key] as Setting<unknown>, raw[key] ?? '', issue.message));
  }
  const problems = SETTING_KEYS.flatMap((key) => valueProblems.get(key) ?? []);
  for (const name of Object.keys(env)) {
    if (name.startsWith('SB_') && !KNOWN_NAMES.includes(name) && !isServiceLink(name, env)) {
      problems.push(unknownSetting(name, KNOWN_NAMES));
    }
  }
  if (problems.length === 0 && parsed.success && rest.success) {
    problems.push(...checkRules({ ...rest.output, ...parsed.output } as StandaloneConfig, role));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.output as RoleConfig<R>;
}

/** For entry points: loads config or prints every problem and exits with EX_CONFIG (78). */
export function loadConfigOrExit<R extends ConfigRole = 'standalone'>(
  env: Environment = process.env,
  role: R = 'standalone' as R,
): RoleConfig<R> {
  try {
    return loadConfig(env, role);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Switchboard cannot start: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

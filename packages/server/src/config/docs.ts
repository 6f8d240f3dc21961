import { defaultText, PIECES } from './pieces.js';
import { CONFIG_ROLES, rolesReading } from './roles.js';
import { SETTING_KEYS, SETTINGS, type Setting } from './settings.js';

export interface SettingRow {
  env: string;
  /** The default as its variable's text; empty when unset by default. */
  default: string;
  doc: string;
}

/** One row per setting, in definition order. */
export function describeSettings(): SettingRow[] {
  return SETTING_KEYS.map((key) => row(SETTINGS[key] as Setting<unknown>));
}

/**
 * The configuration tables in Markdown, as README.md shows them: one per group of settings,
 * headed by the processes that read it (`pnpm docs:config` writes them into README.md).
 */
export function configTable(): string {
  return PIECES.map((piece) => {
    const roles = rolesReading(piece);
    const readers = roles.length === CONFIG_ROLES.length ? 'every process' : roles.join(', ');
    const rows = piece.keys.map((key) => {
      const { env, default: shown, doc } = row(SETTINGS[key] as Setting<unknown>);
      return `| \`${env}\` | ${shown === '' ? '—' : `\`${shown}\``} | ${doc.replaceAll('|', '\\|')} |`;
    });
    return [
      `**${piece.name}** (read by ${readers})`,
      '',
      '| variable | default | meaning |',
      '|---|---|---|',
      ...rows,
    ].join('\n');
  }).join('\n\n');
}

function row(setting: Setting<unknown>): SettingRow {
  return { env: setting.env, default: defaultText(setting), doc: setting.doc };
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, describeSettings } from './docs.js';
import { SETTING_KEYS } from './settings.js';

describe('setting docs', () => {
  it('documents every setting', () => {
    for (const row of describeSettings()) {
      expect(row.env).toMatch(/^SB_[A-Z0-9_]+$/);
      expect(row.doc.length).toBeGreaterThan(10);
    }
    expect(describeSettings()).toHaveLength(SETTING_KEYS.length);
  });

  it('the tables list every setting once, under the processes that read it', () => {
    const table = configTable();
    for (const row of describeSettings()) {
      expect(table.split(`| \`${row.env}\` |`)).toHaveLength(2);
    }
    expect(table).toContain('**bus** (read by every process)');
    expect(table).toContain('**publishing** (read by router, standalone)');
  });
});

describe('README configuration table', () => {
  it('matches the settings (run `pnpm docs:config` after changing a setting)', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configTable());
  });
});

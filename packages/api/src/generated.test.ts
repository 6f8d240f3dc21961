import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The gRPC types in src/generated are generated from proto/ by `pnpm gen:proto`; this fails when
// someone edits a .proto and forgets to regenerate.
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(packageDir, 'src', 'generated');
const fresh = mkdtempSync(join(tmpdir(), 'sb-proto-gen-'));

afterAll(() => rmSync(fresh, { recursive: true, force: true }));

function generate(outDir: string): void {
  const script = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const args = script.scripts['gen:proto']!.split(' ');
  const bin = createRequire(join(packageDir, 'package.json')).resolve(
    '@grpc/proto-loader/build/bin/proto-loader-gen-types.js',
  );
  const outFlag = args.indexOf('-O');
  args[outFlag + 1] = outDir;
  execFileSync(process.execPath, [bin, ...args.slice(1)], { cwd: packageDir, stdio: 'pipe' });
}

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), readFileSync(path, 'utf8'));
  }
  return out;
}

describe('generated gRPC types', () => {
  it('match proto/ (run `pnpm --filter @switchboard/api gen:proto` after editing a .proto)', () => {
    generate(fresh);
    const expected = files(fresh);
    const actual = files(committed);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, text] of expected) expect(actual.get(path), path).toBe(text);
  });
});

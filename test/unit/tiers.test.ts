// Every test file runs in exactly one tier (vitest project): `npm test` must not silently miss a
// file, and `npm run test:all` must not run one twice.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TIERS } from '../../vitest.config.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

function testFiles(dir: string): string[] {
  return readdirSync(join(TOOLKIT_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts') && !join(e.parentPath, e.name).includes('node_modules'))
    .map((e) => relative(TOOLKIT_ROOT, join(e.parentPath, e.name)));
}

describe('test tiers', () => {
  it('puts every test file in exactly one vitest project', { timeout: 120_000 }, () => {
    const listed = JSON.parse(
      execFileSync(process.execPath, [join(TOOLKIT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'list', '--filesOnly', '--json'], { cwd: TOOLKIT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as Array<{ file: string; projectName: string }>;
    const seen = listed.map((l) => relative(TOOLKIT_ROOT, l.file));
    expect(new Set(seen).size, 'a file listed in two projects').toBe(seen.length);
    const all = ['test', 'runtime/src', 'generators', 'cli'].flatMap(testFiles).sort();
    expect([...seen].sort()).toEqual(all);
    expect(new Set(listed.map((l) => l.projectName))).toEqual(new Set(Object.keys(TIERS)));
  });
});

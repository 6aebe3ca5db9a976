// The repository stands alone: a fresh clone has nothing beside it, so no tracked file may point
// outside it (the design notes and benchmark baselines the project started from lived in a
// ../shared folder next to the repository; the baselines now live in bench/baselines).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const OUTSIDE = [/\.\.\/shared\/(DESIGN|baselines)/, /shared\/baselines/, /DESIGN\.md/, /MCPFORGE_BASELINES/];

describe('the repository is self-contained', () => {
  it('no tracked file refers to ../shared (design notes, baselines)', () => {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: TOOLKIT_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => /\.(ts|mts|js|mjs|cjs|json|md|hbs|sh|yaml|yml|lua)$/.test(f) || f === '.ci/run')
      .filter((f) => f !== 'test/unit/self-contained.test.ts');
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(join(TOOLKIT_ROOT, file), 'utf8');
      } catch {
        return []; // listed but deleted in the work tree
      }
      return OUTSIDE.filter((pattern) => pattern.test(text)).map((pattern) => `${file}: ${pattern}`);
    });
    expect(offenders).toEqual([]);
  });
});

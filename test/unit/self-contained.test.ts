// The repository stands alone: a fresh clone has nothing beside it, so no tracked file may point
// outside it (the design notes and benchmark baselines the project started from lived in a
// ../shared folder next to the repository; the baselines now live in bench/baselines).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const OUTSIDE = [/\.\.\/shared\/(DESIGN|baselines)/, /shared\/baselines/, /DESIGN\.md/, /MCPFORGE_BASELINES/];

/**
 * The repository's files: git's list in a checkout; in a copy without its own .git (the Node 22/24
 * job copies the tracked files into .tools/, inside the outer checkout, where git lists nothing)
 * a walk of the folder that skips what is never tracked.
 */
function repositoryFiles(): string[] {
  let top = '';
  try {
    top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: TOOLKIT_ROOT, encoding: 'utf8' }).trim();
  } catch {
    // Not in any git checkout.
  }
  if (top && resolve(top) === resolve(TOOLKIT_ROOT)) {
    return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: TOOLKIT_ROOT, encoding: 'utf8' }).split('\0');
  }
  const skip = new Set(['node_modules', '.git', '.tools', 'dist', '.demo']);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(TOOLKIT_ROOT, path));
    }
  };
  walk(TOOLKIT_ROOT);
  return out;
}

describe('the repository is self-contained', () => {
  it('no tracked file refers to ../shared (design notes, baselines)', () => {
    const files = repositoryFiles()
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

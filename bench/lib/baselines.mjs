// The baseline contenders every mcpforge figure is compared with (bench/README.md, "Baselines"):
// their servers live in bench/baselines/servers and run on bench/baselines' own dependencies,
// installed on demand from its package-lock.json (exact versions; never project dependencies)
// into bench/baselines/node_modules (git-ignored).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, log } from './util.mjs';

export const BASELINES_DIR = join(BENCH_DIR, 'baselines');

/** True when every dependency bench/baselines/package.json pins is installed at that version. */
function baselinesInstalled() {
  const { dependencies } = JSON.parse(readFileSync(join(BASELINES_DIR, 'package.json'), 'utf8'));
  return Object.entries(dependencies).every(([name, version]) => {
    const p = join(BASELINES_DIR, 'node_modules', name, 'package.json');
    return existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).version === version;
  });
}

/**
 * Installs `dependencies` into `dir` (a scratch package, git-ignored) unless those are there
 * already. Versions are the caller's: for the project openapi-mcp-generator writes, the ranges
 * that project declares (as its user would get them).
 */
export function installPinned(dir, dependencies, what, { ignoreScripts = false } = {}) {
  mkdirSync(dir, { recursive: true });
  const pkg = {
    name: 'mcpforge-bench-scratch-deps',
    private: true,
    type: 'module',
    description: `Scratch install of ${what} (written by bench/; git-ignored, not a dependency of mcpforge)`,
    dependencies,
  };
  const pkgPath = join(dir, 'package.json');
  const wanted = `${JSON.stringify(pkg, null, 2)}\n`;
  const current = existsSync(pkgPath) ? readFileSync(pkgPath, 'utf8') : '';
  const installed = Object.keys(dependencies).every((name) => existsSync(join(dir, 'node_modules', name, 'package.json')));
  if (current === wanted && installed) return;
  writeFileSync(pkgPath, wanted);
  log(`installing ${what} into ${dir}`);
  const flags = ['--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock', ...(ignoreScripts ? ['--ignore-scripts'] : [])];
  execFileSync('npm', ['install', ...flags], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Installs the baselines' locked dependencies (once); returns the folder of their servers. */
export function prepareBaselines() {
  if (!baselinesInstalled()) {
    log(`installing the baseline contenders' dependencies into ${join(BASELINES_DIR, 'node_modules')} (npm ci, locked versions)`);
    // --ignore-scripts: no contender needs an install script to serve `add`.
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts'], { cwd: BASELINES_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return join(BASELINES_DIR, 'servers');
}

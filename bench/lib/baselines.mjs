// The baseline contenders of DESIGN §8, reused from ../shared/baselines (beside the repository):
// their server scripts are copied into bench/.deps/servers and run on their own dependencies,
// installed there with pinned versions (never added to the project's package.json).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENCH_DIR, REPO_ROOT, log } from './util.mjs';

export const DEPS_DIR = join(BENCH_DIR, '.deps');

/** Exact versions of what DESIGN §8's baselines were measured with. */
export const BASELINE_DEPENDENCIES = {
  '@modelcontextprotocol/node': '2.1.2',
  '@modelcontextprotocol/sdk': '1.32.2',
  '@modelcontextprotocol/server': '2.4.0',
  ajv: '8.20.0',
  'ajv-formats': '3.0.1',
  fastmcp: '4.20.16',
  zod: '4.6.7',
};

const SERVERS = ['a-raw.mjs', 'b-v2-handler.mjs', 'c-v1.mjs', 'd-fastmcp.mjs'];

/** Where the shared baselines live: $MCPFORGE_BASELINES, else ../shared/baselines from the repository root. */
export function baselinesDir() {
  const dir = process.env.MCPFORGE_BASELINES ?? resolve(REPO_ROOT, '..', 'shared', 'baselines');
  if (!existsSync(join(dir, 'servers', 'a-raw.mjs'))) {
    throw new Error(`Baseline servers not found in ${dir}/servers. Put a copy of shared/ beside the repository, or set MCPFORGE_BASELINES.`);
  }
  return dir;
}

/**
 * Installs `dependencies` into `dir` (a scratch package, git-ignored) unless those are there
 * already. Versions are the caller's: exact for the contenders themselves; for the project
 * openapi-mcp-generator writes, the ranges that project declares (as its user would get them).
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

/** Installs the baselines' dependencies (once) and copies their servers; returns the servers' folder. */
export function prepareBaselines() {
  const source = baselinesDir();
  const pinned = Object.entries(BASELINE_DEPENDENCIES).every(([name, version]) => {
    const p = join(DEPS_DIR, 'node_modules', name, 'package.json');
    return existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).version === version;
  });
  // A stale install (another version of a contender) is redone from scratch.
  if (!pinned) rmSync(join(DEPS_DIR, 'package.json'), { force: true });
  installPinned(DEPS_DIR, BASELINE_DEPENDENCIES, "the baseline contenders' dependencies");
  const serversDir = join(DEPS_DIR, 'servers');
  mkdirSync(serversDir, { recursive: true });
  for (const file of SERVERS) copyFileSync(join(source, 'servers', file), join(serversDir, file));
  return serversDir;
}

// The baseline contenders of DESIGN §8, reused from ../shared/baselines (beside the repository):
// their server scripts are copied into bench/.deps/servers and run on their own dependencies,
// installed there with pinned versions (never added to the project's package.json).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Installs the baselines' dependencies (once) and copies their servers; returns the servers' folder. */
export function prepareBaselines() {
  const source = baselinesDir();
  mkdirSync(DEPS_DIR, { recursive: true });
  const pkg = {
    name: 'mcpforge-bench-baseline-deps',
    private: true,
    type: 'module',
    description: 'Scratch install of the baseline contenders\' dependencies (written by bench/lib/baselines.mjs; git-ignored)',
    dependencies: BASELINE_DEPENDENCIES,
  };
  const pkgPath = join(DEPS_DIR, 'package.json');
  const wanted = `${JSON.stringify(pkg, null, 2)}\n`;
  const current = existsSync(pkgPath) ? readFileSync(pkgPath, 'utf8') : '';
  const installed = Object.entries(BASELINE_DEPENDENCIES).every(([name, version]) => {
    const p = join(DEPS_DIR, 'node_modules', name, 'package.json');
    return existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).version === version;
  });
  if (current !== wanted || !installed) {
    writeFileSync(pkgPath, wanted);
    log(`installing baseline dependencies into ${DEPS_DIR}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock'], { cwd: DEPS_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const serversDir = join(DEPS_DIR, 'servers');
  mkdirSync(serversDir, { recursive: true });
  for (const file of SERVERS) copyFileSync(join(source, 'servers', file), join(serversDir, file));
  return serversDir;
}

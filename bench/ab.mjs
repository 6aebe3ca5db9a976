#!/usr/bin/env node
// `npm run bench:ab -- [--base <git ref>] [--seconds N] [--rounds N]`: this checkout's runtime
// against the runtime of an earlier commit (default HEAD~1), on the same generated 1-tool project,
// the same SDK and the same machine, wrk rounds alternating between the two (order rotated every
// round, c=1 and c=32). Prints median req/s, p99, the ratio new/base and each side's peak RSS — the figure a change to
// the request path must show ("within 5% or better"). A full `npm run bench` compares against the
// peers; this isolates our own change from the machine's load, which hits both sides alike.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LEGACY_CALL, MODERN_CALL, verify } from './http.mjs';
import { benchApiKey, benchDatabaseUrl, prepareProject, WORK_DIR } from './lib/projects.mjs';
import { cpuSeconds, ensureWrk, freePort, log, median, REPO_ROOT, rotated, rssMiB, runWrk, startProcess, stopProcess } from './lib/util.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
if (argv.includes('--help')) {
  process.stdout.write('Usage: npm run bench:ab -- [--base <git ref>] [--seconds N] [--rounds N] [--auth apiKey] [--connections 1,32] [--fast-only] [--tools N]\n  Compares this checkout\'s runtime with the runtime at <git ref> (default HEAD~1) on the same generated project.\n');
  process.exit(0);
}
const ref = option('--base', 'HEAD~1');
const seconds = Number(option('--seconds', '8'));
const rounds = Number(option('--rounds', '4'));
// --auth apiKey: the same comparison on the project with API-key authentication on.
const auth = option('--auth', undefined);
// --connections 32 / --fast-only: a subset of the matrix, for a quicker A/B of one change.
const connectionList = option('--connections', '1,32').split(',').map(Number);
const fastOnly = argv.includes('--fast-only');
// --tools N: the same comparison on the N-tool project (the bench's 1,000-tool API-key server).
const toolCount = Number(option('--tools', '1'));

const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
const short = sha.slice(0, 12);

/** The runtime package at `sha`, built with this checkout's node_modules (same SDK and tsc). */
function buildBaseRuntime() {
  const dir = join(WORK_DIR, `ab-runtime-${short}`);
  // Since the runtime is bundled (runtime/scripts/bundle.mjs), its package.json `main` is the bundle.
  const built = () => existsSync(join(dir, 'runtime', JSON.parse(readFileSync(join(dir, 'runtime/package.json'), 'utf8')).main));
  if (existsSync(join(dir, 'runtime/package.json')) && built()) return join(dir, 'runtime');
  log(`extracting runtime/ at ${short} and building it`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${sha} runtime tsconfig.base.json | tar -x -C "${dir}"`], { cwd: REPO_ROOT });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', 'runtime/tsconfig.json'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  if (existsSync(join(dir, 'runtime/scripts/bundle.mjs'))) execFileSync(process.execPath, [join(dir, 'runtime/scripts/bundle.mjs')], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  return join(dir, 'runtime');
}

/**
 * A copy of the built project whose `@mcpforge/runtime` is the base runtime. Files are copied, not
 * linked: Node resolves a linked module's imports from its real path, which would be the new one.
 */
function projectOnRuntime(projectDir, runtimeDir) {
  // Per project (tool count, auth): two A/B runs on different projects may run at once.
  const dir = join(WORK_DIR, `ab-project-${short}-${basename(projectDir)}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(projectDir, dir, { recursive: true, filter: (src) => !src.startsWith(join(projectDir, 'node_modules')) });
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@mcpforge'), { recursive: true });
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (name === '@mcpforge' || name === '.bin') continue;
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name));
  }
  symlinkSync(runtimeDir, join(modules, '@mcpforge', 'runtime'), 'dir');
  return dir;
}

ensureWrk();
const project = prepareProject(toolCount, { auth });
const baseProject = projectOnRuntime(project, buildBaseRuntime());
const apiKey = auth ? benchApiKey(project) : undefined;
const serve = (dir) => (port) => [process.execPath, join(dir, 'dist', 'server.js'), '--transport', 'http', '--port', String(port), '--database-url', auth ? benchDatabaseUrl(dir) : 'sqlite::memory:'];
const contenders = [
  { id: 'base', label: `runtime at ${short} (${ref})`, command: serve(baseProject) },
  { id: 'new', label: 'runtime of this checkout', command: serve(project) },
];
const requests = { 'modern (2026-07-28, fast path)': { ...MODERN_CALL, apiKey }, ...(fastOnly ? {} : { 'legacy (2025-11-25, SDK path)': { ...LEGACY_CALL, apiKey } }) };

for (const c of contenders) {
  c.port = await freePort();
  c.url = `http://127.0.0.1:${c.port}/mcp`;
  const [cmd, ...args] = c.command(c.port);
  c.process = startProcess(cmd, args, { env: { ...process.env, NODE_ENV: 'production' } });
}
const runs = [];
try {
  for (const c of contenders) await verify({ ...c, request: requests['modern (2026-07-28, fast path)'] });
  for (const c of contenders) await runWrk(c.url, requests['modern (2026-07-28, fast path)'], { connections: 32, seconds: 2 });
  for (let round = 0; round < rounds; round++) {
    for (const [kind, request] of Object.entries(requests)) {
      for (const connections of connectionList) {
        for (const c of rotated(contenders, round)) {
          const cpuBefore = cpuSeconds(c.process.pid);
          const r = await runWrk(c.url, request, { connections, seconds });
          // The server's own CPU per answered request: robust to other load on the machine.
          const cpuUs = ((cpuSeconds(c.process.pid) - cpuBefore) * 1e6) / r.requests;
          runs.push({ kind, connections, id: c.id, cpuUs, ...r });
          log(`round ${round + 1} ${kind} c=${connections} ${c.id.padEnd(4)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms.toFixed(2)} ms  CPU ${cpuUs.toFixed(0)} µs/req${r.errors ? `  ERRORS ${r.errors}` : ''}`);
        }
      }
    }
  }
  // Each side's peak RSS over all its rounds (VmHWM): a heap-sizing change is judged by it too.
  for (const c of contenders) c.peakRss = rssMiB(c.process.pid).peak;
} finally {
  await Promise.all(contenders.map((c) => stopProcess(c.process)));
}

const lines = [`A/B: ${contenders[0].label} vs ${contenders[1].label}; ${rounds} rounds × ${seconds} s, medians`, '', '| request | c | base req/s | new req/s | new/base | base p99 ms | new p99 ms | base CPU µs/req | new CPU µs/req | new/base CPU |', '|---|---|---|---|---|---|---|---|---|---|'];
for (const kind of Object.keys(requests)) {
  for (const connections of connectionList) {
    const of = (id, key) => median(runs.filter((r) => r.kind === kind && r.connections === connections && r.id === id).map((r) => r[key]));
    const base = of('base', 'rps');
    const next = of('new', 'rps');
    lines.push(`| ${kind} | ${connections} | ${base.toFixed(0)} | ${next.toFixed(0)} | ×${(next / base).toFixed(3)} | ${of('base', 'p99Ms').toFixed(2)} | ${of('new', 'p99Ms').toFixed(2)} | ${of('base', 'cpuUs').toFixed(0)} | ${of('new', 'cpuUs').toFixed(0)} | ×${(of('new', 'cpuUs') / of('base', 'cpuUs')).toFixed(3)} |`);
  }
}
lines.push('', `peak RSS over the whole run: base ${contenders[0].peakRss.toFixed(1)} MiB, new ${contenders[1].peakRss.toFixed(1)} MiB`);
const errors = runs.reduce((n, r) => n + r.errors, 0);
if (errors) lines.push('', `wrk reported ${errors} errors: the figures are not comparable.`);
process.stdout.write(`${lines.join('\n')}\n`);

#!/usr/bin/env node
// No-op regeneration of a 1,000-tool project in detail (issue 3, issue 17: a no-op `generate` ≤ 0.5 s;
// `npm run bench` measures the same project through regeneration.mjs).
// Builds a project with 1,000 tools (one input and one output schema file each), runs a first
// full `mcpforge generate`, then times:
//   - `mcpforge generate` as a user runs it (a new Node process, start-up included), median of 5;
//   - the same planning in-process (no start-up), median of 5;
//   - a one-tool schema change (the cache regenerates only that tool).
// Needs `npm run build` first (it runs the compiled CLI in dist/). Usage: npm run bench:generate [-- <tools>]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changeOneSchema, writeSyntheticProject } from './regeneration.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'mcpforge.js');
if (!existsSync(join(root, 'dist', 'generators', 'generate', 'project.js'))) {
  console.error('bench:generate needs the compiled CLI: run `npm run build` first.');
  process.exit(1);
}
const count = Number(process.argv[2] ?? 1000);
const dir = join(root, '.tmp', `bench-generate-${count}`);
const changed = writeSyntheticProject(dir, count);

const run = (...args) => {
  const started = performance.now();
  const out = execFileSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ms: performance.now() - started, out: out.trim().split('\n').pop() };
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;

const first = run('generate');
console.log(`first generate (${count} tools, nothing cached): ${fmt(first.ms)}\n  ${first.out}`);

const cliRuns = [];
for (let i = 0; i < 5; i++) cliRuns.push(run('generate'));
console.log(`no-op generate, CLI process (start-up included), median of 5: ${fmt(median(cliRuns.map((r) => r.ms)))}\n  ${cliRuns[0].out}`);

const { planProject } = await import(join(root, 'dist', 'generators', 'generate', 'project.js'));
const inProcess = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  const outcome = await planProject({ specPath: join(dir, 'mcpforge.yaml') });
  inProcess.push(performance.now() - started);
  if (!outcome.upToDate) throw new Error('expected the no-op path');
}
console.log(`no-op generate, in-process planning, median of 5: ${fmt(median(inProcess))}`);

const startup = [];
for (let i = 0; i < 5; i++) startup.push(run('--version').ms);
console.log(`CLI start-up alone (mcpforge --version), median of 5: ${fmt(median(startup))}`);

changeOneSchema(changed);
const one = run('generate');
console.log(`generate after changing one tool's schema: ${fmt(one.ms)}\n  ${one.out}`);

const check = run('check');
console.log(`check (up to date): ${fmt(check.ms)}\n  ${check.out}`);
const budget = median(cliRuns.map((r) => r.ms));
console.log(`\nno-op generate on ${count} tools: ${fmt(budget)} (target ≤ 0.5 s: ${budget <= 500 ? 'met' : 'NOT met'}); one changed schema: ${fmt(one.ms)} (target ≤ 1 s: ${one.ms <= 1000 ? 'met' : 'NOT met'})`);

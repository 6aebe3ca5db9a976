#!/usr/bin/env node
// A/B of the regeneration figures for two or more toolkit checkouts (each built: `<dir>/bin/mcpforge.js`
// → `<dir>/dist`): a synthetic 1,000-tool project per toolkit (regeneration.mjs), generated twice,
// then per round and toolkit, in an order that reverses every other round: one schema changed, a
// `generate` timed (a new CLI process, start-up included), then a no-op `generate` timed.
// Medians of the rounds, with every round's figure. Round eighteen measured the emit worker started
// ahead with this (bench/README.md).
// Usage: node bench/regeneration-ab.mjs [--runs N] [--tools N] <toolkit dir> <toolkit dir> ...
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { changeOneSchema, writeSyntheticProject } from './regeneration.mjs';
import { BENCH_DIR, median } from './lib/util.mjs';

const args = process.argv.slice(2);
let runs = 8;
let tools = 1000;
const kits = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--tools') tools = Number(args[++i]);
  else kits.push(resolve(args[i]));
}
if (kits.length < 2) throw new Error('usage: node bench/regeneration-ab.mjs [--runs N] [--tools N] <toolkit dir> <toolkit dir> ...');

const projects = kits.map((kit, i) => {
  const dir = join(BENCH_DIR, '.work', 'regeneration-ab', String(i));
  return { kit, dir, changed: writeSyntheticProject(dir, tools), change: [], noop: [], last: '' };
});
const generate = (project) => {
  const started = performance.now();
  const out = execFileSync(process.execPath, [join(project.kit, 'bin', 'mcpforge.js'), 'generate'], { cwd: project.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ms: performance.now() - started, last: out.trim().split('\n').pop() };
};
// The first generation, then one that finds it up to date and records the stat data.
for (const project of projects) {
  generate(project);
  generate(project);
}
for (let round = 0; round < runs; round++) {
  for (const project of round % 2 ? [...projects].reverse() : projects) {
    changeOneSchema(project.changed);
    const changed = generate(project);
    project.change.push(changed.ms);
    project.last = changed.last;
    project.noop.push(generate(project).ms);
    console.error(`round ${round + 1} ${project.kit}: one change ${changed.ms.toFixed(0)} ms`);
  }
}
console.log(`\nRegeneration of a ${tools}-tool project, ${runs} alternating rounds, medians (every round)\n`);
console.log('| toolkit | one changed schema ms | no-op ms |\n|---|--:|--:|');
const list = (values) => values.map((v) => v.toFixed(0)).join(', ');
for (const p of projects) console.log(`| ${p.kit} | ${median(p.change).toFixed(0)} (${list(p.change)}) | ${median(p.noop).toFixed(0)} (${list(p.noop)}) |`);
for (const p of projects) console.log(`\n${p.kit}: ${p.last}`);

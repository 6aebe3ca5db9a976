#!/usr/bin/env node
// A/B of `mcpforge import openapi` on the GitHub description (or --quick: the petstore fixture)
// for two or more toolkit checkouts (each built: `<dir>/bin/mcpforge.js` → `<dir>/dist`),
// alternating, into a fresh empty project each run. Per run: wall time, CPU time of the whole
// process (every thread, ended workers included: user + sys from getrusage of the child) and of
// its main thread alone (/proc/self/task/<pid>/schedstat, read at exit by a preloaded probe;
// Linux only), peak RSS. CPU time moves much less than wall time on a shared machine.
// The last run's projects stay in bench/.work/generation-ab/<n> for `diff -r`.
// A toolkit may carry node flags for the CLI process after a `#` (`<dir>#--max-semi-space-size=32`,
// space-separated), so one checkout can be measured against itself with and without them.
// Usage: node bench/generation-ab.mjs [--runs N] [--quick] <toolkit dir>[#flags] <toolkit dir>[#flags] ...
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emptyMcpforgeProject, generationInput } from './generation.mjs';
import { BENCH_DIR, median, rotated } from './lib/util.mjs';

const args = process.argv.slice(2);
let runs = 3;
let quick = false;
const toolkits = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--quick') quick = true;
  else {
    const [dir, flags = ''] = args[i].split('#');
    toolkits.push({ dir: resolve(dir), flags: flags.split(' ').filter(Boolean), label: args[i] });
  }
}
if (toolkits.length < 2) throw new Error('usage: node bench/generation-ab.mjs [--runs N] [--quick] <toolkit dir> <toolkit dir> ...');

const work = join(BENCH_DIR, '.work', 'generation-ab');
mkdirSync(work, { recursive: true });
const probe = join(work, 'main-thread-probe.mjs');
writeFileSync(
  probe,
  `import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  const ns = Number(readFileSync(\`/proc/self/task/\${process.pid}/schedstat\`, 'utf8').split(' ')[0]);
  writeFileSync(process.env.MCPFORGE_AB_PROBE, String(ns / 1e6));
});
`,
);
const input = generationInput(quick);

function once(toolkit, n) {
  const dir = join(work, String(n));
  emptyMcpforgeProject(dir);
  const out = join(work, `probe-${n}.txt`);
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, ...toolkit.flags, '--import', probe, join(toolkit.dir, 'bin/mcpforge.js'), 'import', 'openapi', input.file], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MCPFORGE_AB_PROBE: out },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${toolkit.label}: exit ${r.status}\n${r.stderr}`);
  const [user, sys, rssKb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, main: Number(readFileSync(out, 'utf8')) / 1000, rssMb: rssKb / 1024 };
}

const results = toolkits.map(() => []);
for (let round = 0; round < runs; round++) {
  for (const i of rotated(toolkits.map((_, i) => i), round)) {
    const m = once(toolkits[i], i);
    results[i].push(m);
    console.error(`round ${round + 1} ${String.fromCharCode(65 + i)} wall ${m.wall.toFixed(2)} s  cpu ${m.cpu.toFixed(2)} s  main ${m.main.toFixed(2)} s  rss ${m.rssMb.toFixed(0)} MB  load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  }
}
console.log(`\n${input.label}, ${runs} alternating round(s), medians (min–max)\n`);
console.log('| toolkit | wall s | CPU s (process) | CPU s (main thread) | peak RSS MB |\n|---|--:|--:|--:|--:|');
const fmt = (xs, d = 2) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
toolkits.forEach((t, i) => {
  const r = results[i];
  console.log(`| ${String.fromCharCode(65 + i)} ${t.label} | ${fmt(r.map((x) => x.wall))} | ${fmt(r.map((x) => x.cpu))} | ${fmt(r.map((x) => x.main))} | ${fmt(r.map((x) => x.rssMb), 0)} |`);
});

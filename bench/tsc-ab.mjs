#!/usr/bin/env node
// A/B of a cold `tsc --noEmit -p tsconfig.json` in two or more generated projects (e.g. the GitHub
// import made by two toolkit checkouts, each with its own node_modules), alternating, as
// bench/generation.mjs runs it (the repository's typescript, --max-old-space-size=4096). Per run:
// wall time; CPU time of the whole process (every thread: user + sys from getrusage of the child);
// CPU time of the main thread alone (/proc/self/task/<pid>/schedstat, read at exit by a preloaded
// probe; Linux only); the main thread's CPU before node compiles tsc.js (node's own start-up);
// the rest of the process's CPU time, on V8's threads (its concurrent compiler, GC helpers); the
// number of errors. CPU time moves much less than wall time on a shared machine.
// A project given as `<dir>#<node flags>` (space-separated) runs node with those flags too.
// Usage: node bench/tsc-ab.mjs [--runs N] <project dir>[#flags] <project dir>[#flags] ...
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, REPO_ROOT, median, rotated } from './lib/util.mjs';

const args = process.argv.slice(2);
let runs = 5;
const projects = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else {
    const [dir, flags = ''] = args[i].split('#');
    projects.push({ dir: resolve(dir), flags: flags.split(' ').filter(Boolean), label: args[i] });
  }
}
if (projects.length < 2) throw new Error('usage: node bench/tsc-ab.mjs [--runs N] <project dir> <project dir> ...');

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'lib', 'tsc.js');
const work = join(BENCH_DIR, '.work', 'tsc-ab');
mkdirSync(work, { recursive: true });
const probe = join(work, 'main-thread-probe.cjs');
// CommonJS, preloaded with --require: it wraps the CommonJS loader's compile step to read the main
// thread's CPU time just before tsc.js (which runs the whole compilation at load) is compiled.
writeFileSync(
  probe,
  `const { readFileSync, writeFileSync } = require('node:fs');
const mainNs = () => Number(readFileSync(\`/proc/self/task/\${process.pid}/schedstat\`, 'utf8').split(' ')[0]);
let atTsc = 0;
const Module = require('node:module');
const load = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  if (filename.endsWith('tsc.js')) atTsc = mainNs();
  return load.call(this, content, filename);
};
process.on('exit', () => {
  writeFileSync(process.env.MCPFORGE_TSC_PROBE, JSON.stringify({ atTsc, atExit: mainNs() }));
});
`,
);

function once({ dir, flags }, n) {
  const out = join(work, `probe-${n}.json`);
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, '--max-old-space-size=4096', ...flags, '--require', probe, TSC, '--noEmit', '-p', 'tsconfig.json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MCPFORGE_TSC_PROBE: out },
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  const lines = r.stderr.trim().split('\n');
  const [user, sys, rssKb] = lines.pop().split(' ').map(Number);
  const errors = (r.stdout.match(/error TS\d+/g) ?? []).length;
  if (r.status !== 0 && errors === 0) throw new Error(`${dir}: exit ${r.status}\n${r.stdout.slice(-2000)}\n${lines.join('\n')}`);
  const p = JSON.parse(readFileSync(out, 'utf8'));
  return { wall, cpu: user + sys, main: p.atExit / 1e9, beforeTsc: p.atTsc / 1e9, rssMb: rssKb / 1024, errors };
}

const results = projects.map(() => []);
for (let round = 0; round < runs; round++) {
  for (const i of rotated(projects.map((_, i) => i), round)) {
    const m = once(projects[i], i);
    results[i].push(m);
    console.error(
      `round ${round + 1} ${String.fromCharCode(65 + i)} wall ${m.wall.toFixed(2)} s  cpu ${m.cpu.toFixed(2)} s  main ${m.main.toFixed(2)} s  (start-up ${m.beforeTsc.toFixed(2)} s)  rss ${m.rssMb.toFixed(0)} MB  ${m.errors} errors  load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
    );
  }
}
console.log(`\ncold tsc --noEmit, ${runs} alternating round(s), medians (min–max)\n`);
console.log('| project | wall s | CPU s (process) | CPU s (main thread) | of which start-up | CPU s (other threads) | peak RSS MB | errors |\n|---|--:|--:|--:|--:|--:|--:|--:|');
const fmt = (xs, d = 2) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
projects.forEach(({ label }, i) => {
  const r = results[i];
  console.log(
    `| ${String.fromCharCode(65 + i)} ${label} | ${fmt(r.map((x) => x.wall))} | ${fmt(r.map((x) => x.cpu))} | ${fmt(r.map((x) => x.main))} | ${fmt(r.map((x) => x.beforeTsc))} | ${fmt(r.map((x) => x.cpu - x.main))} | ${fmt(r.map((x) => x.rssMb), 0)} | ${r.at(-1).errors} |`,
  );
});

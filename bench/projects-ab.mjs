#!/usr/bin/env node
// `node bench/projects-ab.mjs [--seconds N] [--rounds N] [--connections 32] name=DIR ...`: built
// projects side by side (e.g. the same generated project against two runtimes: a copy whose
// node_modules links to another checkout), each started once over HTTP with its own API key and
// database (`.bench-key`, `bench.db` in DIR when present), wrk rounds alternating between them
// (order rotated every round) on the modern fast-path call. Prints median req/s, p99, the server's
// CPU per request, RSS 2 s after start and the peak RSS (VmHWM) after all its rounds — what
// flags-ab.mjs prints for Node flags, for a change to the runtime or the generated code of a large
// project (bench/ab.mjs builds only the 1-tool project).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MODERN_CALL, verify } from './http.mjs';
import { cpuSeconds, ensureWrk, freePort, log, median, rotated, rssMiB, runWrk, startProcess, stopProcess } from './lib/util.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const value = argv[i + 1];
  argv.splice(i, 2);
  return value;
};
const seconds = Number(option('--seconds', '6'));
const rounds = Number(option('--rounds', '5'));
const connections = Number(option('--connections', '32'));
const variants = argv.map((spec) => {
  const at = spec.indexOf('=');
  if (at < 0) throw new Error(`variant "${spec}": write name=DIR (a built project)`);
  return { id: spec.slice(0, at), dir: spec.slice(at + 1) };
});
if (variants.length === 0) throw new Error('name at least one project, e.g. base=/path/to/project mine=/path/to/copy');

ensureWrk();
for (const v of variants) {
  const keyFile = join(v.dir, '.bench-key');
  const apiKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
  const db = existsSync(join(v.dir, 'bench.db')) ? `sqlite:${join(v.dir, 'bench.db')}` : 'sqlite::memory:';
  v.port = await freePort();
  v.url = `http://127.0.0.1:${v.port}/mcp`;
  v.request = { ...MODERN_CALL, apiKey };
  v.process = startProcess(process.execPath, [join(v.dir, 'dist', 'server.js'), '--transport', 'http', '--port', String(v.port), '--database-url', db], {
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
const runs = [];
try {
  for (const v of variants) await verify(v);
  await sleep(2000);
  for (const v of variants) v.started = rssMiB(v.process.pid).current;
  for (const v of variants) await runWrk(v.url, v.request, { connections, seconds: 2 });
  for (let round = 0; round < rounds; round++) {
    for (const v of rotated(variants, round)) {
      const cpuBefore = cpuSeconds(v.process.pid);
      const r = await runWrk(v.url, v.request, { connections, seconds });
      const cpuUs = ((cpuSeconds(v.process.pid) - cpuBefore) * 1e6) / r.requests;
      runs.push({ id: v.id, cpuUs, ...r });
      log(`round ${round + 1} ${v.id.padEnd(12)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms.toFixed(2)} ms  CPU ${cpuUs.toFixed(0)} µs/req  RSS ${rssMiB(v.process.pid).current.toFixed(0)} MiB${r.errors ? `  ERRORS ${r.errors}` : ''}`);
    }
  }
  for (const v of variants) v.peak = rssMiB(v.process.pid).peak;
} finally {
  await Promise.all(variants.map((v) => stopProcess(v.process)));
}
const lines = [`projects A/B, c=${connections}, ${rounds} rounds × ${seconds} s, medians`, '', '| variant | req/s | p99 ms | CPU µs/req | RSS after start MiB | peak RSS MiB |', '|---|--:|--:|--:|--:|--:|'];
for (const v of variants) {
  const of = (key) => median(runs.filter((r) => r.id === v.id).map((r) => r[key]));
  lines.push(`| ${v.id} | ${of('rps').toFixed(0)} | ${of('p99Ms').toFixed(2)} | ${of('cpuUs').toFixed(0)} | ${v.started.toFixed(1)} | ${v.peak.toFixed(1)} |`);
}
const errors = runs.reduce((n, r) => n + r.errors, 0);
if (errors) lines.push('', `wrk reported ${errors} errors: the figures are not comparable.`);
process.stdout.write(`${lines.join('\n')}\n`);

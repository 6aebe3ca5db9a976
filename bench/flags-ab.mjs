#!/usr/bin/env node
// `node bench/flags-ab.mjs [--auth apiKey] [--tools 1] [--seconds N] [--rounds N] [--connections 32] name=FLAGS ...`:
// the same generated project (1 tool unless --tools) (this checkout's runtime) started once per variant, each with
// its own Node flags (`FLAGS` comma-separated, empty for none) and environment (`name=FLAGSenv:K=V;K2=V2`),
// wrk rounds alternating between them (order rotated every round) on the modern fast-path call.
// Prints median req/s, p99, the server's CPU per request and the peak RSS (VmHWM) of each process
// after all its rounds: the figures a V8 heap flag is judged by (bench/README.md, "Peak RSS").
// Example: node bench/flags-ab.mjs --auth apiKey v8=env:MCP_V8_HEAP=v8 compact= capped=--max-semi-space-size=4,--max-old-space-size=96
import { join } from 'node:path';
import { MODERN_CALL, verify } from './http.mjs';
import { benchApiKey, benchDatabaseUrl, prepareProject } from './lib/projects.mjs';
import { cpuSeconds, ensureWrk, freePort, log, median, rotated, rssMiB, runWrk, startProcess, stopProcess } from './lib/util.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const value = argv[i + 1];
  argv.splice(i, 2);
  return value;
};
const auth = option('--auth', undefined);
const seconds = Number(option('--seconds', '6'));
const rounds = Number(option('--rounds', '5'));
const connections = Number(option('--connections', '32'));
const tools = Number(option('--tools', '1'));
const variants = argv.map((spec) => {
  const at = spec.indexOf('=');
  if (at < 0) throw new Error(`variant "${spec}": write name=FLAGS (FLAGS comma-separated, may be empty), optionally followed by env:K=V;K2=V2`);
  const name = spec.slice(0, at);
  const value = spec.slice(at + 1);
  const [flags = '', env = ''] = value.split('env:');
  return { id: name, flags: flags.split(',').filter(Boolean), env: Object.fromEntries(env.split(';').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
});
if (variants.length === 0) throw new Error('name at least one variant, e.g. default= semi2=--max-semi-space-size=2');

ensureWrk();
const project = prepareProject(tools, { auth });
const apiKey = auth ? benchApiKey(project) : undefined;
const request = { ...MODERN_CALL, apiKey };
for (const v of variants) {
  v.port = await freePort();
  v.url = `http://127.0.0.1:${v.port}/mcp`;
  v.request = request;
  v.process = startProcess(process.execPath, [...v.flags, join(project, 'dist', 'server.js'), '--transport', 'http', '--port', String(v.port), '--database-url', auth ? benchDatabaseUrl(project) : 'sqlite::memory:'], {
    env: { ...process.env, NODE_ENV: 'production', ...v.env },
  });
}
const runs = [];
try {
  for (const v of variants) await verify(v);
  for (const v of variants) await runWrk(v.url, request, { connections, seconds: 2 });
  for (let round = 0; round < rounds; round++) {
    for (const v of rotated(variants, round)) {
      const cpuBefore = cpuSeconds(v.process.pid);
      const r = await runWrk(v.url, request, { connections, seconds });
      const cpuUs = ((cpuSeconds(v.process.pid) - cpuBefore) * 1e6) / r.requests;
      runs.push({ id: v.id, cpuUs, ...r });
      log(`round ${round + 1} ${v.id.padEnd(12)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms.toFixed(2)} ms  CPU ${cpuUs.toFixed(0)} µs/req  RSS ${rssMiB(v.process.pid).current.toFixed(0)} MiB${r.errors ? `  ERRORS ${r.errors}` : ''}`);
    }
  }
  for (const v of variants) v.peak = rssMiB(v.process.pid).peak;
} finally {
  await Promise.all(variants.map((v) => stopProcess(v.process)));
}
const lines = [`flags A/B on the ${tools}-tool project${auth ? ` (${auth})` : ''}, c=${connections}, ${rounds} rounds × ${seconds} s, medians`, '', '| variant | flags / env | req/s | p99 ms | CPU µs/req | peak RSS MiB |', '|---|---|--:|--:|--:|--:|'];
for (const v of variants) {
  const of = (key) => median(runs.filter((r) => r.id === v.id).map((r) => r[key]));
  const what = [...v.flags, ...Object.entries(v.env).map(([k, val]) => `${k}=${val}`)].join(' ') || '(none)';
  lines.push(`| ${v.id} | ${what} | ${of('rps').toFixed(0)} | ${of('p99Ms').toFixed(2)} | ${of('cpuUs').toFixed(0)} | ${v.peak.toFixed(1)} |`);
}
const errors = runs.reduce((n, r) => n + r.errors, 0);
if (errors) lines.push('', `wrk reported ${errors} errors: the figures are not comparable.`);
process.stdout.write(`${lines.join('\n')}\n`);

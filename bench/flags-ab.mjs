#!/usr/bin/env node
// `node bench/flags-ab.mjs [--auth apiKey] [--tools 1] [--seconds N] [--rounds N] [--connections 32] name=FLAGS ...`:
// the same generated project (1 tool unless --tools) (this checkout's runtime) started once per variant, each with
// its own Node flags (`FLAGS` comma-separated, empty for none) and environment (`name=FLAGSenv:K=V;K2=V2`),
// wrk rounds alternating between them (order rotated every round) on the modern fast-path call.
// Prints median req/s, p99, the server's CPU per request and the peak RSS (VmHWM) of each process
// after all its rounds: the figures a V8 heap flag is judged by (bench/README.md, "Peak RSS").
// Example: node bench/flags-ab.mjs --auth apiKey v8=env:MCP_V8_HEAP=v8 compact= capped=--max-semi-space-size=4,--max-old-space-size=96
import { join } from 'node:path';
import { MODERN_CALL } from './http.mjs';
import { benchApiKey, benchDatabaseUrl, prepareProject } from './lib/projects.mjs';
import { errorLines, medianOf, runRotation, takeOption } from './lib/rotation.mjs';
import { ensureWrk, freePort, startProcess } from './lib/util.mjs';

const argv = process.argv.slice(2);
const auth = takeOption(argv, '--auth', undefined);
const seconds = Number(takeOption(argv, '--seconds', '6'));
const rounds = Number(takeOption(argv, '--rounds', '5'));
const connections = Number(takeOption(argv, '--connections', '32'));
const tools = Number(takeOption(argv, '--tools', '1'));
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
const runs = await runRotation(variants, { connections, seconds, rounds });
const lines = [`flags A/B on the ${tools}-tool project${auth ? ` (${auth})` : ''}, c=${connections}, ${rounds} rounds × ${seconds} s, medians`, '', '| variant | flags / env | req/s | p99 ms | CPU µs/req | peak RSS MiB |', '|---|---|--:|--:|--:|--:|'];
for (const v of variants) {
  const of = (key) => medianOf(runs, v.id, key);
  const what = [...v.flags, ...Object.entries(v.env).map(([k, val]) => `${k}=${val}`)].join(' ') || '(none)';
  lines.push(`| ${v.id} | ${what} | ${of('rps').toFixed(0)} | ${of('p99Ms').toFixed(2)} | ${of('cpuUs').toFixed(0)} | ${v.peak.toFixed(1)} |`);
}
lines.push(...errorLines(runs));
process.stdout.write(`${lines.join('\n')}\n`);

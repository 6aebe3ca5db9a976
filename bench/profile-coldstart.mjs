#!/usr/bin/env node
// Where a generated server's cold start goes (evidence for bench/README.md, "where the time goes").
//   1. `node --cpu-prof` of spawn → first tools/list over stdio (the bench's 1-tool project),
//      summarised by package (bench/profile-summary.mjs);
//   2. the cost of importing each module on the start-up path on its own, each in a fresh Node
//      process from the project's folder (median of N): what a lazy import would save at most;
//   3. spawn → tools/list of the same project, and of `node -e 0`, for scale.
// Usage: node bench/profile-coldstart.mjs [tools=1] [runs=5]   (after `npm run bench` built bench/.work)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { coldStartOnce } from './coldstart.mjs';
import { prepareProject } from './lib/projects.mjs';
import { BENCH_DIR, median } from './lib/util.mjs';

const tools = Number(process.argv[2] ?? 1);
const runs = Number(process.argv[3] ?? 5);
const dir = prepareProject(tools);
const server = join(dir, 'dist/server.js');

// 1. CPU profile of one cold start; the server exits (and writes the profile) when stdin closes.
const profDir = mkdtempSync(join(tmpdir(), 'mcpforge-coldprof-'));
await new Promise((resolve, reject) => {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', profDir, server, '--database-url', 'sqlite::memory:'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  child.stdout.on('data', (d) => {
    if (String(d).includes('"id":2')) {
      console.log(`profiled cold start (with the profiler's own overhead): ${(performance.now() - t0).toFixed(0)} ms`);
      child.stdin.end();
    }
  });
  child.once('exit', resolve);
  child.once('error', reject);
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'p', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } })}\n`);
});
const profile = join(profDir, readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')));
console.log(`\n## CPU profile (${profile})\n`);
console.log(execFileSync(process.execPath, [join(BENCH_DIR, 'profile-summary.mjs'), profile, '18'], { encoding: 'utf8' }));

// 2. Import cost of each module alone (includes everything it imports in turn).
const runtime = (m) => `@mcpforge/runtime/${m}`;
const specifiers = [
  'pino',
  'prom-client',
  'kysely',
  'better-sqlite3',
  'ajv',
  'ws',
  '@modelcontextprotocol/server',
  '@modelcontextprotocol/server/stdio',
  '@modelcontextprotocol/node',
  runtime('observability'),
  runtime('config'),
  runtime('storage'),
  runtime('cache'),
  runtime('idempotency'),
  runtime('rate-limit'),
  runtime('redis'),
  runtime('tls'),
  runtime('transports'),
  '@mcpforge/runtime',
  './dist/generated/manifest.js',
  './dist/generated/handlers.js',
];
const importMs = (specifier) => {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) return Number.NaN;
  return Number(r.stdout);
};
console.log(`## import() of each module alone, fresh process, median of ${runs} (ms)\n`);
console.log('| module | ms |\n|---|--:|');
for (const s of specifiers) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(importMs(s));
  console.log(`| ${s} | ${median(samples).toFixed(1)} |`);
}

// 3. For scale: Node itself, and the whole cold start (no profiler).
const nodeAlone = [];
const whole = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  execFileSync(process.execPath, ['-e', '0']);
  nodeAlone.push(performance.now() - t);
  whole.push(await coldStartOnce({ id: `mcpforge-${tools}`, tools, mode: 'modern', command: [process.execPath, server, '--database-url', 'sqlite::memory:'] }));
}
console.log(`\nnode -e 0: ${median(nodeAlone).toFixed(1)} ms; spawn → tools/list (${tools} tool${tools === 1 ? '' : 's'}): ${median(whole).toFixed(1)} ms (medians of ${runs})`);

#!/usr/bin/env node
// What holds a generated server's memory (evidence for bench/README.md, "where the time goes").
// For the bench's 1-tool project over HTTP (the `mcpforge-1` contender), per Node flag variant:
// process.memoryUsage() and V8 heap spaces right after start and after a wrk run at c=32 (the
// benchmark's load), peak RSS (VmHWM), req/s; a heap snapshot after the load, summarised by
// constructor; and the RSS of merely importing the runtime (the module graph).
// Usage: node bench/profile-memory.mjs [seconds=10] [variant...]   variants: see VARIANTS (default: default semi4 old64 semi4old64)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODERN_CALL, verify } from './http.mjs';
import { prepareProject } from './lib/projects.mjs';
import { BENCH_DIR, ensureWrk, freePort, rssMiB, runWrk, sleep, startProcess, stopProcess } from './lib/util.mjs';

const seconds = Number(process.argv[2] ?? 10);
const VARIANTS = {
  default: [],
  semi1: ['--max-semi-space-size=1'],
  semi2: ['--max-semi-space-size=2'],
  semi4: ['--max-semi-space-size=4'],
  semi8: ['--max-semi-space-size=8'],
  old64: ['--max-old-space-size=64'],
  semi4old64: ['--max-semi-space-size=4', '--max-old-space-size=64'],
  // What the runtime sets for an HTTP server unless told otherwise (runtime/src/start/heap.ts).
  gf1: ['--semi-space-growth-factor=1'],
  gf1grow10: ['--semi-space-growth-factor=1', '--heap-growing-percent=10'],
  gf1grow30: ['--semi-space-growth-factor=1', '--heap-growing-percent=30'],
};
const chosen = process.argv.slice(3).length > 0 ? process.argv.slice(3) : ['default', 'semi4', 'old64', 'semi4old64'];
ensureWrk();
const dir = prepareProject(1);
const tmp = mkdtempSync(join(tmpdir(), 'mcpforge-mem-'));
const probe = join(BENCH_DIR, 'lib', 'mem-probe.mjs');

async function sample(child, file, label) {
  const before = readLines(file).length;
  child.kill('SIGUSR2');
  for (let i = 0; i < 300 && readLines(file).length === before; i++) await sleep(100);
  const line = readLines(file).at(-1);
  return { ...line, label };
}
function readLines(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Self size by constructor name in a .heapsnapshot (V8's format: flat node array + string table). */
function summariseSnapshot(path, top = 15) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const bySize = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    const name = ['object', 'closure', 'native'].includes(type) ? snap.strings[snap.nodes[i + iName]] : `(${type})`;
    const size = snap.nodes[i + iSize];
    total += size;
    const entry = bySize.get(name) ?? { size: 0, count: 0 };
    entry.size += size;
    entry.count++;
    bySize.set(name, entry);
  }
  const rows = [...bySize].sort((a, b) => b[1].size - a[1].size).slice(0, top);
  const servers = bySize.get('McpServer')?.count ?? 0;
  return { totalMiB: total / 1048576, rows, servers };
}

const results = [];
for (const variant of chosen) {
  const file = join(tmp, `${variant}.jsonl`);
  const snapshot = join(tmp, `${variant}.heapsnapshot`);
  const port = await freePort();
  const child = startProcess(process.execPath, [...VARIANTS[variant], '--import', probe, join(dir, 'dist/server.js'), '--transport', 'http', '--port', String(port), '--database-url', 'sqlite::memory:'], {
    env: { ...process.env, NODE_ENV: 'production', MEM_PROBE_FILE: file, MEM_PROBE_SNAPSHOT: snapshot },
  });
  const c = { id: variant, url: `http://127.0.0.1:${port}/mcp`, request: MODERN_CALL, process: child };
  await verify(c);
  const idle = await sample(child, file, 'after start');
  const load = await runWrk(c.url, MODERN_CALL, { connections: 32, seconds });
  const loaded = await sample(child, file, `after ${seconds} s at c=32`);
  const peak = rssMiB(child.pid).peak;
  // The snapshot is taken last (first variant only): writing it allocates and would skew the peak.
  if (variant === chosen[0]) {
    const before = readLines(file).length;
    child.kill('SIGWINCH');
    for (let i = 0; i < 600 && readLines(file).length === before; i++) await sleep(100);
  }
  await stopProcess(child);
  results.push({ variant, flags: VARIANTS[variant].join(' ') || '(none)', idle, loaded, peak, rps: load.rps, p99Ms: load.p99Ms });
}

// Module graph: RSS after importing the runtime and the project's generated modules, no server.
const graphCode = "await import('@mcpforge/runtime'); await import('./dist/generated/handlers.js'); globalThis.gc?.(); const m = process.memoryUsage(); process.stdout.write(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed }));";
const graph = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', graphCode], { cwd: dir, encoding: 'utf8' }));
const bare = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', "globalThis.gc(); const m = process.memoryUsage(); process.stdout.write(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed }))"], { encoding: 'utf8' }));

// Each module alone, fresh process, after GC: RSS and heap above bare Node (what it costs to load).
const MODULES = ['pino', 'prom-client', 'kysely', 'better-sqlite3', 'ajv', 'ws', 'zod', '@modelcontextprotocol/server', '@modelcontextprotocol/server/stdio', '@modelcontextprotocol/node', '@modelcontextprotocol/client', '@mcpforge/runtime/observability', '@mcpforge/runtime/storage', '@mcpforge/runtime/idempotency', '@mcpforge/runtime/transports', '@mcpforge/runtime'];
const moduleCost = MODULES.map((m) => {
  const code = `await import(${JSON.stringify(m)}); globalThis.gc(); const u = process.memoryUsage(); process.stdout.write(JSON.stringify({ rss: u.rss, heapUsed: u.heapUsed }));`;
  try {
    return { m, ...JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { cwd: dir, encoding: 'utf8' })) };
  } catch {
    return { m, rss: Number.NaN, heapUsed: Number.NaN };
  }
});

const f = (n) => (n === undefined ? '–' : n.toFixed(1));
console.log(`## Memory of the 1-tool generated server over HTTP (wrk c=32, ${seconds} s)\n`);
console.log('| node flags | when | RSS | heap total | heap used | new space (size/used) | old space (size/used) | code space | external | req/s | p99 ms | peak RSS |');
console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const r of results) {
  for (const s of [r.idle, r.loaded]) {
    const ns = s.spaces.new_space;
    const os = s.spaces.old_space;
    const loadedRow = s === r.loaded;
    console.log(`| ${r.flags} | ${s.label} | ${f(s.rssMiB)} | ${f(s.heapTotalMiB)} | ${f(s.heapUsedMiB)} | ${f(ns.sizeMiB)} / ${f(ns.usedMiB)} | ${f(os.sizeMiB)} / ${f(os.usedMiB)} | ${f(s.spaces.code_space.sizeMiB)} | ${f(s.externalMiB)} | ${loadedRow ? r.rps.toFixed(0) : ''} | ${loadedRow ? r.p99Ms.toFixed(1) : ''} | ${loadedRow ? f(r.peak) : ''} |`);
  }
}
console.log(`\nModule graph alone (import the runtime + the project's generated modules, after GC): RSS ${f(graph.rss / 1048576)} MiB, heap used ${f(graph.heapUsed / 1048576)} MiB; bare \`node\` RSS ${f(bare.rss / 1048576)} MiB, heap used ${f(bare.heapUsed / 1048576)} MiB.`);

console.log('\n| module (imported alone) | RSS above bare node MiB | heap used above bare node MiB |\n|---|--:|--:|');
for (const x of moduleCost) console.log(`| ${x.m} | ${f((x.rss - bare.rss) / 1048576)} | ${f((x.heapUsed - bare.heapUsed) / 1048576)} |`);

// Heap snapshot (first variant, after the load): who holds the live heap.
const snapshotFile = readLines(join(tmp, `${chosen[0]}.jsonl`)).at(-1)?.snapshot;
if (snapshotFile) {
  const s = summariseSnapshot(snapshotFile);
  console.log(`\n## Heap snapshot after the load (${chosen[0]}): ${f(s.totalMiB)} MiB live, ${s.servers} McpServer instances\n`);
  console.log('| constructor / kind | self MiB | count |\n|---|--:|--:|');
  for (const [name, e] of s.rows) console.log(`| ${name} | ${f(e.size / 1048576)} | ${e.count} |`);
}
rmSync(tmp, { recursive: true, force: true });

#!/usr/bin/env node
// `node bench/projects-ab.mjs [--seconds N] [--rounds N] [--connections 32] name=DIR ...`: built
// projects side by side (e.g. the same generated project against two runtimes: a copy whose
// node_modules links to another checkout), each started once over HTTP with its own API key and
// database (`.bench-key`, `bench.db` in DIR when present), wrk rounds alternating between them
// (order rotated every round) on the modern fast-path call. Prints median req/s, p99, the server's
// CPU per request, RSS 2 s after start and the peak RSS (VmHWM) after all its rounds — what
// flags-ab.mjs prints for Node flags, for a change to the runtime or the generated code of a large
// project (bench/ab.mjs builds only the 1-tool project). `--alloc`: each server preloads
// lib/alloc-counter.mjs and the table gains the JS heap allocated per request (round ten: the firm
// figure on a loaded machine, where CPU per request moves by ±10%). The counter itself costs the
// servers 30–50 µs per request and lets their heaps grow (round eleven): read CPU and RSS from a
// run without it.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODERN_CALL } from './http.mjs';
import { errorLines, medianOf, runRotation, takeOption } from './lib/rotation.mjs';
import { ensureWrk, freePort, startProcess } from './lib/util.mjs';

const argv = process.argv.slice(2);
const seconds = Number(takeOption(argv, '--seconds', '6'));
const rounds = Number(takeOption(argv, '--rounds', '5'));
const connections = Number(takeOption(argv, '--connections', '32'));
const allocAt = argv.indexOf('--alloc');
if (allocAt >= 0) argv.splice(allocAt, 1);
const allocDir = allocAt >= 0 ? mkdtempSync(join(tmpdir(), 'alloc-ab-')) : undefined;
const allocCounter = fileURLToPath(new URL('./lib/alloc-counter.mjs', import.meta.url));
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
  v.allocFile = allocDir ? join(allocDir, `${v.id}.json`) : undefined;
  const preload = v.allocFile ? ['--import', allocCounter] : [];
  v.process = startProcess(process.execPath, [...preload, join(v.dir, 'dist', 'server.js'), '--transport', 'http', '--port', String(v.port), '--database-url', db], {
    env: { ...process.env, NODE_ENV: 'production', ...(v.allocFile ? { ALLOC_COUNT_FILE: v.allocFile } : {}) },
  });
}
const runs = await runRotation(variants, { connections, seconds, rounds });
const allocColumn = allocDir ? ' alloc KiB/req |' : '';
const lines = [`projects A/B, c=${connections}, ${rounds} rounds × ${seconds} s, medians`, '', `| variant | req/s | p99 ms | CPU µs/req |${allocColumn} RSS after start MiB | peak RSS MiB |`, `|---|--:|--:|--:|${allocDir ? '--:|' : ''}--:|--:|`];
for (const v of variants) {
  const of = (key) => medianOf(runs, v.id, key);
  lines.push(`| ${v.id} | ${of('rps').toFixed(0)} | ${of('p99Ms').toFixed(2)} | ${of('cpuUs').toFixed(0)} |${allocDir ? ` ${of('allocKiB').toFixed(2)} |` : ''} ${v.started.toFixed(1)} | ${v.peak.toFixed(1)} |`);
}
lines.push(...errorLines(runs));
process.stdout.write(`${lines.join('\n')}\n`);

#!/usr/bin/env node
// `npm run bench`: every benchmark of issue 8 in one run, contenders side by side, on loopback.
//   HTTP tools/call (wrk, c=1 and c=32, alternating rounds): raw node:http floor, SDK v2
//   createMcpHandler, fastmcp, and generated mcpforge servers (1 tool, the same with validation
//   off, 1,000 tools); then cold start over stdio (1, 100, 1,000 tools vs the baselines).
// Prints a markdown table (stdout) and writes bench/results/bench-<date>.json (and latest.json).
//
// Options: --quick (CI smoke: 1 round of 1 s, 100 tools instead of 1,000, 2 cold starts; checks
// only that every benchmark produced numbers), --only http|coldstart, --json <file>.
// Env knobs: BENCH_SECONDS (default 10), BENCH_ROUNDS (3), BENCH_COLD_RUNS (10).
// Generation benchmark (issue 8 item 4): not here yet — it needs `mcpforge import openapi`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { coldStartContenders, runColdStart } from './coldstart.mjs';
import { httpContenders, runHttp } from './http.mjs';
import { prepareBaselines } from './lib/baselines.mjs';
import { prepareProject } from './lib/projects.mjs';
import { BENCH_DIR, ensureWrk, log } from './lib/util.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? argv[onlyIndex + 1] : undefined;
const jsonIndex = argv.indexOf('--json');
const jsonOut = jsonIndex >= 0 ? argv[jsonIndex + 1] : undefined;
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);

const settings = quick
  ? { seconds: 1, rounds: 1, concurrencies: [1, 32], warmupSeconds: 0, coldRuns: 2, manyTools: 100, coldTools: [1, 100] }
  : { seconds: num('BENCH_SECONDS', 10), rounds: num('BENCH_ROUNDS', 3), concurrencies: [1, 32], warmupSeconds: 2, coldRuns: num('BENCH_COLD_RUNS', 10), manyTools: 1000, coldTools: [1, 100, 1000] };

// DESIGN §8 targets.
const TARGETS = { vsSdkV2: 8, vsRaw: 0.3, p99Ms: 15, rssMiB: 100, validationCost: 0.05, cold1Ms: 150, coldRatio: 1.2 };

const started = performance.now();
const report = { date: new Date().toISOString(), node: process.version, quick, settings, targets: TARGETS, http: undefined, coldstart: undefined, generation: { status: 'not run', reason: 'needs `mcpforge import openapi` (issue: OpenAPI import), not built yet' } };

const serversDir = prepareBaselines();
const toolCounts = [...new Set([1, settings.manyTools, ...settings.coldTools])].sort((a, b) => a - b);
const projects = new Map(toolCounts.map((n) => [n, prepareProject(n)]));

if (!only || only === 'http') {
  ensureWrk();
  const contenders = httpContenders({ serversDir, projects: [1, settings.manyTools].map((tools) => ({ tools, dir: projects.get(tools) })) });
  report.http = await runHttp(contenders, settings);
}
if (!only || only === 'coldstart') {
  const contenders = coldStartContenders({ serversDir, projects: settings.coldTools.map((tools) => ({ tools, dir: projects.get(tools) })) });
  report.coldstart = await runColdStart(contenders, { runs: settings.coldRuns });
}
report.seconds = (performance.now() - started) / 1000;
report.checks = checks(report);

const markdown = render(report);
process.stdout.write(markdown);
const dir = join(BENCH_DIR, 'results');
mkdirSync(dir, { recursive: true });
const file = jsonOut ?? join(dir, `bench-${report.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(dir, quick ? 'latest-quick.json' : 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(dir, quick ? 'latest-quick.md' : 'latest.md'), markdown);
log(`wrote ${file} (${report.seconds.toFixed(0)} s)`);

/** The DESIGN §8 figures for our servers, each with its value, target and whether it is met. */
function checks(r) {
  const out = [];
  const add = (figure, value, target, met) => out.push({ figure, value, target, met: Number.isFinite(value) ? met : false });
  if (r.http) {
    const s32 = r.http.stats[32];
    const med = (id) => s32[id]?.rps.median;
    for (const id of Object.keys(s32).filter((k) => k.startsWith('mcpforge-') && !k.endsWith('novalidation'))) {
      add(`${id} req/s c=32 ÷ SDK v2`, med(id) / med('sdk-v2'), `≥ ${TARGETS.vsSdkV2}`, med(id) / med('sdk-v2') >= TARGETS.vsSdkV2);
      add(`${id} req/s c=32 ÷ raw`, med(id) / med('raw'), `≥ ${TARGETS.vsRaw}`, med(id) / med('raw') >= TARGETS.vsRaw);
      add(`${id} p99 c=32 (ms)`, s32[id].p99Ms.median, `≤ ${TARGETS.p99Ms}`, s32[id].p99Ms.median <= TARGETS.p99Ms);
      const rss = r.http.contenders.find((c) => c.id === id)?.rssMiB?.peak;
      add(`${id} peak RSS (MiB)`, rss, `≤ ${TARGETS.rssMiB}`, rss <= TARGETS.rssMiB);
    }
    const novalid = Object.keys(s32).find((k) => k.endsWith('-novalidation'));
    if (novalid) {
      const on = med(novalid.replace('-novalidation', ''));
      const cost = 1 - on / med(novalid);
      add('validation cost c=32 (1 − on ÷ off)', cost, `≤ ${TARGETS.validationCost}`, cost <= TARGETS.validationCost);
    }
  }
  if (r.coldstart) {
    const cs = r.coldstart.stats;
    const one = cs['mcpforge-1']?.median;
    add('cold start, 1 tool (ms)', one, `≤ ${TARGETS.cold1Ms}`, one <= TARGETS.cold1Ms);
    for (const n of settings.coldTools.filter((t) => t > 1)) {
      const ratio = cs[`mcpforge-${n}`]?.median / one;
      add(`cold start, ${n} tools ÷ 1 tool`, ratio, `≤ ${TARGETS.coldRatio}`, ratio <= TARGETS.coldRatio);
    }
  }
  return out;
}

function fmt(n, digits = 0) {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function render(r) {
  const lines = [`# mcpforge benchmarks${r.quick ? ' (quick smoke run: timings not meaningful)' : ''}`, ''];
  lines.push(`${r.date}, node ${r.node}, ${r.settings.rounds} alternating round(s) of ${r.settings.seconds} s per wrk run (wrk -t1), loopback; medians (min–max).`, '');
  if (r.http) {
    for (const conc of r.settings.concurrencies) {
      const s = r.http.stats[conc];
      lines.push(`## tools/call over Streamable HTTP, concurrency ${conc}`, '');
      lines.push('| contender | req/s | ×raw | ×SDK v2 | ×fastmcp | p50 ms | p99 ms | peak RSS MiB | errors |');
      lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
      for (const c of r.http.contenders) {
        const x = s[c.id];
        const ratio = (base) => fmt(x.rps.median / s[base].rps.median, 3);
        lines.push(
          `| ${c.label} | ${fmt(x.rps.median)} (${fmt(x.rps.min)}–${fmt(x.rps.max)}) | ${ratio('raw')} | ${ratio('sdk-v2')} | ${ratio('fastmcp')} | ${fmt(x.p50Ms.median, 2)} | ${fmt(x.p99Ms.median, 2)} (${fmt(x.p99Ms.min, 1)}–${fmt(x.p99Ms.max, 1)}) | ${conc === 32 ? fmt(c.rssMiB?.peak, 0) : ''} | ${x.errors} |`,
        );
      }
      lines.push('');
    }
  }
  if (r.coldstart) {
    const cs = r.coldstart.stats;
    lines.push(`## Cold start over stdio: spawn → first tools/list (${r.settings.coldRuns} alternating runs)`, '');
    lines.push('| contender | tools | median ms | min | max | ×raw | ×SDK v2 | ×mcpforge 1 tool |');
    lines.push('|---|--:|--:|--:|--:|--:|--:|--:|');
    for (const c of r.coldstart.contenders) {
      const x = cs[c.id];
      lines.push(
        `| ${c.label} | ${c.tools} | ${fmt(x.median, 1)} | ${fmt(x.min, 1)} | ${fmt(x.max, 1)} | ${fmt(x.median / cs.raw.median, 2)} | ${fmt(x.median / cs['sdk-v2'].median, 2)} | ${cs['mcpforge-1'] ? fmt(x.median / cs['mcpforge-1'].median, 2) : '–'} |`,
      );
    }
    lines.push('');
  }
  lines.push('## DESIGN §8 targets', '', '| figure | value | target | met |', '|---|--:|--:|:-:|');
  for (const c of r.checks) lines.push(`| ${c.figure} | ${fmt(c.value, c.value < 10 ? 3 : 1)} | ${c.target} | ${c.met ? 'yes' : '**no**'} |`);
  lines.push('', `Generation benchmark: ${r.generation.status} (${r.generation.reason}).`, '', `Total time ${fmt(r.seconds, 0)} s.`, '');
  return lines.join('\n');
}

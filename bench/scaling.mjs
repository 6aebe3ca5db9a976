// The scaling curve (issue 17): how a generated server and the generator behave as the tool count
// grows — tools/call throughput at c=32 and peak RSS of a server with 1, 100, 1,000 and 10,000
// tools (the same `add` call; the rest are synthetic tools), and the time of a fresh
// `mcpforge new --spec` (generation, no install) for 100, 1,000 and 10,000 tools, each in a new CLI
// process. "No worse than linear": the time per tool must not grow with the tool count.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MODERN_CALL, verify } from './http.mjs';
import { discard } from './lib/discard.mjs';
import { benchSpec, prepareProject } from './lib/projects.mjs';
import { freePort, log, REPO_ROOT, rssMiB, runWrk, startProcess, stopProcess } from './lib/util.mjs';

/** Tool counts per figure; `quick` keeps the CI smoke run short. */
export function scalingCounts(quick) {
  return quick ? { serve: [1, 100], generate: [10, 100] } : { serve: [1, 100, 1000, 10000], generate: [100, 1000, 10000] };
}

/** Throughput (one wrk run at c=32 after a warm-up) and peak RSS of each server size. */
async function serveCurve(counts, seconds) {
  const rows = [];
  for (const tools of counts) {
    const dir = prepareProject(tools);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/mcp`;
    const child = startProcess(process.execPath, [join(dir, 'dist/server.js'), '--transport', 'http', '--port', String(port), '--database-url', 'sqlite::memory:'], {
      env: { ...process.env, NODE_ENV: 'production' },
    });
    try {
      const contender = { id: `mcpforge-${tools}`, url, request: MODERN_CALL, process: child };
      await verify(contender);
      const startRss = rssMiB(child.pid).current;
      await runWrk(url, MODERN_CALL, { connections: 32, seconds: Math.min(2, seconds) });
      const r = await runWrk(url, MODERN_CALL, { connections: 32, seconds });
      await verify(contender);
      const rss = rssMiB(child.pid);
      rows.push({ tools, rps: r.rps, p99Ms: r.p99Ms, errors: r.errors, startRssMiB: startRss, peakRssMiB: rss.peak });
      log(`scaling: ${tools} tools ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms.toFixed(2)} ms, RSS ${startRss.toFixed(0)} MiB after start, peak ${rss.peak.toFixed(0)} MiB`);
    } finally {
      await stopProcess(child);
    }
  }
  return rows;
}

/** Fresh generation time per size: `mcpforge new --spec` into an empty folder, a new CLI process. */
function generateCurve(counts) {
  const rows = [];
  for (const tools of counts) {
    const work = mkdtempSync(join(tmpdir(), `mcpforge-scale-${tools}-`));
    try {
      const specFile = join(work, 'spec.json');
      writeFileSync(specFile, JSON.stringify(benchSpec(tools)));
      const started = performance.now();
      execFileSync(process.execPath, [join(REPO_ROOT, 'bin/mcpforge.js'), 'new', join(work, 'project'), '--yes', '--spec', specFile, '--skip-install', '--force'], {
        cwd: work,
        // stderr kept: a failed run's error then says why (it failed once in CI with nothing to read).
        stdio: ['ignore', 'ignore', 'pipe'],
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, CI: 'true', MCPFORGE_RUNTIME_SOURCE: 'vendor' },
      });
      const seconds = (performance.now() - started) / 1000;
      rows.push({ tools, seconds, msPerTool: (seconds * 1000) / tools });
      log(`scaling: generating ${tools} tools took ${seconds.toFixed(2)} s (${((seconds * 1000) / tools).toFixed(2)} ms per tool)`);
    } finally {
      // Deleted at exit, not before the next (larger) generation: see lib/discard.mjs.
      discard(work);
    }
  }
  return rows;
}

/** Runs both curves; `settings`: { quick, seconds }. */
export async function runScaling(settings) {
  const counts = scalingCounts(settings.quick);
  const serve = await serveCurve(counts.serve, settings.quick ? 1 : Math.min(settings.seconds, 5));
  const generate = generateCurve(counts.generate);
  return { serve, generate };
}

/**
 * Whether a curve grows no worse than linearly: from the smallest size on, the cost per tool of a
 * larger size stays within `slack` of the smallest's (start-up costs make small sizes dearer per
 * tool, so the check is one-sided).
 */
export function linear(rows, perTool, slack = 1.25) {
  const base = perTool(rows[0]);
  return rows.every((row) => perTool(row) <= base * slack);
}

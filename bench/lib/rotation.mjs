// The wrk rotation that the HTTP A/B scripts share (flags-ab.mjs: Node flags on one project;
// projects-ab.mjs: built projects side by side): each variant's server already started, checked
// with one call, warmed up, then `rounds` rounds with the order rotated every round, so a slow
// patch of the machine falls on every variant alike. Servers are stopped whatever happens.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { verify } from '../http.mjs';
import { cpuSeconds, log, median, rotated, rssMiB, runWrk, stopProcess } from './util.mjs';

/** Removes `name value` from argv and returns the value (or `fallback`). */
export function takeOption(argv, name, fallback) {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const value = argv[i + 1];
  argv.splice(i, 2);
  return value;
}

/**
 * Runs the rotation over `variants` ({ id, url, request, process } each); sets `started` (RSS
 * 2 s after start, MiB) and `peak` (VmHWM after all rounds) on each; returns every wrk run with
 * the server's CPU per request, and with `allocKiB` (JS heap KiB allocated per request) for a
 * variant that has `allocFile` (its server preloads lib/alloc-counter.mjs writing to that file).
 */
export async function runRotation(variants, { connections, seconds, rounds }) {
  const runs = [];
  try {
    for (const v of variants) await verify(v);
    await sleep(2000);
    for (const v of variants) v.started = rssMiB(v.process.pid).current;
    for (const v of variants) await runWrk(v.url, v.request, { connections, seconds: 2 });
    for (let round = 0; round < rounds; round++) {
      for (const v of rotated(variants, round)) {
        const allocBefore = await allocatedBytes(v);
        const cpuBefore = cpuSeconds(v.process.pid);
        const r = await runWrk(v.url, v.request, { connections, seconds });
        const cpuUs = ((cpuSeconds(v.process.pid) - cpuBefore) * 1e6) / r.requests;
        const allocKiB = v.allocFile ? ((await allocatedBytes(v)) - allocBefore) / 1024 / r.requests : undefined;
        runs.push({ id: v.id, cpuUs, allocKiB, ...r });
        log(`round ${round + 1} ${v.id.padEnd(12)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms.toFixed(2)} ms  CPU ${cpuUs.toFixed(0)} µs/req${allocKiB === undefined ? '' : `  alloc ${allocKiB.toFixed(2)} KiB/req`}  RSS ${rssMiB(v.process.pid).current.toFixed(0)} MiB${r.errors ? `  ERRORS ${r.errors}` : ''}`);
      }
    }
    for (const v of variants) v.peak = rssMiB(v.process.pid).peak;
  } finally {
    await Promise.all(variants.map((v) => stopProcess(v.process)));
  }
  return runs;
}

/**
 * What the variant's alloc counter has summed so far; waits past its 50 ms rewrite first, so the
 * count includes everything up to now (wrk's last requests, or nothing of the next run).
 */
async function allocatedBytes(v) {
  if (!v.allocFile) return 0;
  await sleep(120);
  return JSON.parse(readFileSync(v.allocFile, 'utf8')).allocatedBytes;
}

/** The median of `key` over a variant's runs. */
export function medianOf(runs, id, key) {
  return median(runs.filter((r) => r.id === id).map((r) => r[key]));
}

/** The closing line when wrk saw errors (the figures are then not comparable), else none. */
export function errorLines(runs) {
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  return errors ? ['', `wrk reported ${errors} errors: the figures are not comparable.`] : [];
}

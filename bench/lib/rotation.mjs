// The wrk rotation that the HTTP A/B scripts share (flags-ab.mjs: Node flags on one project;
// projects-ab.mjs: built projects side by side): each variant's server already started, checked
// with one call, warmed up, then `rounds` rounds with the order rotated every round, so a slow
// patch of the machine falls on every variant alike. Servers are stopped whatever happens.
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
 * the server's CPU per request.
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
  return runs;
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

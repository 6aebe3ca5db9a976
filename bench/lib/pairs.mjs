// Paired measurement of a server against its twin (the same server with one thing changed: input
// validation off, V8's own heap sizing). A cost of a few percent cannot be read from two medians
// taken minutes apart in the main rotation: the machine's speed drifts by more than that between
// them (the validation twin's figure swung from −35% to +8% between runs of the same code, rounds
// six to eight). Here each round measures the two back to back, in alternating order (base first in
// even rounds, twin first in odd ones, so neither side always follows the other or the idle gap),
// and the figure is the median of the per-round ratios, with their min–max to show its spread.
// Each run also records the server's CPU per request (all its threads, from /proc), which other load
// on the machine moves less than req/s. A control pair (the same server in two processes) measures
// what the method reads when there is nothing to find.
import { cpuSeconds, log, rotated, runWrk, summary } from './util.mjs';

/**
 * Runs `rounds` paired rounds for each of `pairs` ({ id, base, twin }: contenders already started,
 * verified and warmed up). In every round all the pairs are measured, each pair's two runs back to
 * back. Returns { runs, stats } with stats[pair.id] = { base, twin, rounds, cost, cpuCost, ... }.
 */
export async function runPairs(pairs, { rounds, seconds, connections }) {
  const runs = [];
  const one = async (round, pair, side, position) => {
    const c = pair[side];
    const cpuBefore = cpuSeconds(c.process.pid);
    const r = await runWrk(c.url, c.request, { connections, seconds });
    const cpuUs = ((cpuSeconds(c.process.pid) - cpuBefore) * 1e6) / Math.max(1, r.requests);
    runs.push({ round: round + 1, pair: pair.id, side, id: c.id, position, connections, cpuUs, ...r });
    log(`pair round ${round + 1} ${pair.id.padEnd(12)} ${c.id.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s  CPU ${cpuUs.toFixed(0)} µs/req${r.errors ? `  ERRORS ${r.errors}` : ''}`);
  };
  for (let round = 0; round < rounds; round++) {
    // The pairs' order rotates too: none always runs first after the previous round.
    for (const pair of rotated(pairs, round)) {
      const order = round % 2 === 0 ? ['base', 'twin'] : ['twin', 'base'];
      for (const [position, side] of order.entries()) await one(round, pair, side, position);
    }
  }
  const stats = {};
  for (const pair of pairs) stats[pair.id] = pairStats(runs.filter((r) => r.pair === pair.id), pair);
  return { runs, stats };
}

/**
 * The figures of one pair from its runs. `cost` is 1 − base req/s ÷ twin req/s per round (what the
 * base pays for the thing the twin turns off); `cpuCost` is the same from CPU per request,
 * 1 − twin CPU ÷ base CPU (equal to `cost` when the server is CPU-bound).
 */
export function pairStats(runs, pair) {
  const rounds = [...new Set(runs.map((r) => r.round))].map((round) => {
    const base = runs.find((r) => r.round === round && r.side === 'base');
    const twin = runs.find((r) => r.round === round && r.side === 'twin');
    return { round, baseFirst: base.position === 0, base: { rps: base.rps, cpuUs: base.cpuUs }, twin: { rps: twin.rps, cpuUs: twin.cpuUs }, cost: 1 - base.rps / twin.rps, cpuCost: 1 - twin.cpuUs / base.cpuUs };
  });
  const side = (s) => ({
    id: pair[s].id,
    rps: summary(rounds.map((r) => r[s].rps)),
    cpuUs: summary(rounds.map((r) => r[s].cpuUs)),
    p99Ms: summary(runs.filter((r) => r.side === s).map((r) => r.p99Ms)),
    errors: runs.filter((r) => r.side === s).reduce((n, r) => n + r.errors, 0),
  });
  return { base: side('base'), twin: side('twin'), rounds, cost: summary(rounds.map((r) => r.cost)), cpuCost: summary(rounds.map((r) => r.cpuCost)) };
}

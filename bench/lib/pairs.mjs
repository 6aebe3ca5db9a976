// Paired measurement of a server against its twins (the same server with one thing changed: input
// validation off, V8's own heap sizing; or nothing changed, the control). A cost of a few percent
// cannot be read from two medians taken minutes apart in the main rotation: the machine's speed
// drifts by more than that between them (the validation twin's figure swung from −35% to +8%
// between runs of the same code, rounds six to eight). Here every round runs the base and each twin
// once, one right after the other (2 s each by default), and a twin's cost is the median over the
// rounds of its ratio to the base in the same round, with the min–max to show the spread.
// bench/http.mjs runs these rounds before its rotation, every server warmed up alike, so the base
// has no more history than its twins (after the rotation it ran up to 10–16% less CPU per call
// than a fresh copy of itself under load).
// Every server runs exactly once per round, so none is kept hotter than another (a base run
// against each twin in turn would be busy three times as often, and idle for shorter gaps). The
// order rotates every other round and reverses in between (A B C D, D C B A, B C D A, A D C B, …),
// so each server takes each position and follows each other one alike.
// Each run also records the server's CPU per request (all its threads, from /proc), which other load
// on the machine moves less than req/s. A control twin (the same server in a second process)
// measures what the method reads when there is nothing to find.
import { cpuSeconds, log, rotated, runWrk, summary } from './util.mjs';

/** The order of `list` in round `round` (0-based): rotated every other round, reversed in odd rounds. */
export function roundOrder(list, round) {
  const order = rotated(list, Math.floor(round / 2) % list.length);
  return round % 2 ? order.reverse() : order;
}

/**
 * Runs `rounds` rounds over `pairs` ({ id, base, twin }: contenders already started, verified and
 * warmed up; the pairs may share their base). Returns { runs, stats } with
 * stats[pair.id] = { base, twin, rounds, cost, cpuCost }.
 */
export async function runPairs(pairs, { rounds, seconds, connections }) {
  const servers = [...new Set(pairs.flatMap((p) => [p.base, p.twin]))];
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (const [position, c] of roundOrder(servers, round).entries()) {
      const cpuBefore = cpuSeconds(c.process.pid);
      const r = await runWrk(c.url, c.request, { connections, seconds });
      const cpuUs = ((cpuSeconds(c.process.pid) - cpuBefore) * 1e6) / Math.max(1, r.requests);
      runs.push({ round: round + 1, id: c.id, position, connections, cpuUs, ...r });
      log(`pair round ${round + 1} ${c.id.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s  CPU ${cpuUs.toFixed(0)} µs/req${r.errors ? `  ERRORS ${r.errors}` : ''}`);
    }
  }
  const stats = {};
  for (const pair of pairs) {
    const mine = runs.flatMap((r) => (r.id === pair.base.id ? [{ ...r, pair: pair.id, side: 'base' }] : r.id === pair.twin.id ? [{ ...r, pair: pair.id, side: 'twin' }] : []));
    stats[pair.id] = pairStats(mine, pair);
  }
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
    return { round, baseFirst: base.position < twin.position, base: { rps: base.rps, cpuUs: base.cpuUs }, twin: { rps: twin.rps, cpuUs: twin.cpuUs }, cost: 1 - base.rps / twin.rps, cpuCost: 1 - twin.cpuUs / base.cpuUs };
  });
  const side = (s) => ({
    id: pair[s].id,
    rps: summary(rounds.map((r) => r[s].rps)),
    cpuUs: summary(rounds.map((r) => r[s].cpuUs)),
    p99Ms: summary(runs.filter((r) => r.side === s).map((r) => r.p99Ms)),
    errors: runs.filter((r) => r.side === s).reduce((n, r) => n + r.errors, 0),
  });
  // With the interquartile range: under load a few rounds fall on a burst of other work, and the
  // min–max then says more about those rounds than about the median's spread.
  const spread = (values) => ({ ...summary(values), q1: quantile(values, 0.25), q3: quantile(values, 0.75) });
  return { base: side('base'), twin: side('twin'), rounds, cost: spread(rounds.map((r) => r.cost)), cpuCost: spread(rounds.map((r) => r.cpuCost)) };
}

/** The `q` quantile of `values`, interpolated between the two nearest ranks. */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.ceil(at)] - s[lo]) * (at - lo);
}

// The twins' cost figures of `npm run bench` (bench/lib/pairs.mjs): the median of per-round ratios,
// each round running the base and every twin once, not a ratio of two medians taken minutes apart.
import { describe, expect, it } from 'vitest';
import { type PairRun, pairStats, roundOrder } from '../../bench/lib/pairs.mjs';

const run = (round: number, side: 'base' | 'twin', position: number, rps: number, cpuUs: number): PairRun => ({
  round,
  pair: 'validation',
  side,
  id: side === 'base' ? 'on' : 'off',
  position,
  rps,
  cpuUs,
  p99Ms: 5,
  errors: 0,
});
const pair = { base: { id: 'on' }, twin: { id: 'off' } };

describe('bench pairs: pairStats', () => {
  it('takes the cost per pair, so a machine that drifts between pairs does not move it', () => {
    // The machine halves its speed after round 2; within every pair the base is 2% slower.
    const runs = [
      run(1, 'base', 0, 9800, 100),
      run(1, 'twin', 1, 10000, 98),
      run(2, 'twin', 0, 10000, 98),
      run(2, 'base', 1, 9800, 100),
      run(3, 'base', 0, 4900, 200),
      run(3, 'twin', 1, 5000, 196),
    ];
    const s = pairStats(runs, pair);
    expect(s.rounds.map((r) => r.baseFirst)).toEqual([true, false, true]);
    for (const r of s.rounds) expect(r.cost).toBeCloseTo(0.02, 10);
    expect(s.cost.median).toBeCloseTo(0.02, 10);
    expect(s.cpuCost.median).toBeCloseTo(0.02, 10);
    expect(s.cost.n).toBe(3);
    expect(s.base.rps.median).toBe(9800);
    expect(s.twin.id).toBe('off');
  });

  it('reports the median of the per-pair costs with their min and max, not the ratio of the medians', () => {
    // The machine runs at ×0.5, ×1 and ×2 in the three pairs: the ratio of the two sides' medians
    // (10,500 ÷ 10,000, a cost of −5%) mixes pairs; the per-pair costs are 10%, −5% and 3%.
    const runs = [
      run(1, 'base', 0, 4500, 110),
      run(1, 'twin', 1, 5000, 100),
      run(2, 'twin', 0, 10000, 100),
      run(2, 'base', 1, 10500, 95),
      run(3, 'base', 0, 19400, 103),
      run(3, 'twin', 1, 20000, 100),
    ];
    const s = pairStats(runs, pair);
    expect(1 - s.base.rps.median / s.twin.rps.median).toBeCloseTo(-0.05, 10);
    expect(s.cost.median).toBeCloseTo(0.03, 10);
    expect(s.cost.min).toBeCloseTo(-0.05, 10);
    expect(s.cost.max).toBeCloseTo(0.1, 10);
    // The middle half of the per-round costs (−5%, 3%, 10%): 25% and 75% quantiles.
    expect(s.cost.q1).toBeCloseTo(-0.01, 10);
    expect(s.cost.q3).toBeCloseTo(0.065, 10);
    // CPU per request: 1 − twin ÷ base.
    expect(s.cpuCost.max).toBeCloseTo(1 - 100 / 110, 10);
  });

  it('runs every server once per round, each taking every position and following every other one alike', () => {
    const servers = ['base', 'again', 'off', 'v8'];
    const orders = Array.from({ length: 8 }, (_, round) => roundOrder(servers, round));
    expect(orders.slice(0, 4)).toEqual([
      ['base', 'again', 'off', 'v8'],
      ['v8', 'off', 'again', 'base'],
      ['again', 'off', 'v8', 'base'],
      ['base', 'v8', 'off', 'again'],
    ]);
    for (const order of orders) expect([...order].sort()).toEqual([...servers].sort());
    // Over 8 rounds the base stands in each position twice, and before each twin as often as after it.
    const positions = orders.map((o) => o.indexOf('base'));
    for (const p of [0, 1, 2, 3]) expect(positions.filter((x) => x === p).length, `position ${p}`).toBe(2);
    for (const twin of ['again', 'off', 'v8']) expect(orders.filter((o) => o.indexOf('base') < o.indexOf(twin)).length, twin).toBe(4);
    // The input is left as it was.
    expect(servers).toEqual(['base', 'again', 'off', 'v8']);
  });
});

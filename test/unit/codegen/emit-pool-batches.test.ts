import { describe, expect, it } from 'vitest';
import { BATCH_ENTRIES, startsBatch } from '../../../generators/shared/codegen/emit-pool.js';

/** Batch sizes for `total` entries, in order. */
function sizes(total: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < total; i++) {
    if (startsBatch(i, total)) out.push(0);
    out[out.length - 1]!++;
  }
  return out;
}

describe('emit batches', () => {
  it.each([1, 6, 97, 150, 1223, 2000])('cover %i entries with full batches, then small ones at the end', (total) => {
    const s = sizes(total);
    expect(s.reduce((a, b) => a + b, 0)).toBe(total);
    expect(Math.max(...s)).toBeLessThanOrEqual(BATCH_ENTRIES);
    // The last 96 entries (or all of them) go in batches of at most 6: what a worker still holds at the end is little.
    expect(s.slice(-Math.min(s.length, 16)).every((n) => n <= 6)).toBe(true);
    if (total >= 1000) expect(s.filter((n) => n === BATCH_ENTRIES).length).toBeGreaterThan(30);
  });
});

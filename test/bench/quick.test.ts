// Smoke test of the benchmark harness (`npm run bench -- --quick`): every benchmark ran and every
// contender produced numbers. Timings are not asserted (CI machines are noisy).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

interface PairStats {
  rounds: Array<{ baseFirst: boolean; base: { rps: number; cpuUs: number }; twin: { rps: number; cpuUs: number }; cost: number }>;
  base: { errors: number; peakRssMiB: number };
  twin: { errors: number; peakRssMiB: number };
  cost: { median: number; min: number; max: number; n: number; q1: number; q3: number };
  cpuCost: { median: number };
}

describe('npm run bench -- --quick', () => {
  it('runs the HTTP, cold-start, generation, regeneration and scaling benchmarks and writes numbers for every contender', { timeout: 600_000 }, () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mcpforge-bench-')), 'quick.json');
    const stdout = execFileSync('npm', ['run', 'bench', '--', '--quick', '--json', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 590_000 });
    expect(stdout).toContain('## tools/call over Streamable HTTP, concurrency 32');
    expect(stdout).toContain('## Targets');
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.quick).toBe(true);

    const ids = report.http.contenders.map((c: { id: string }) => c.id);
    expect(ids).toEqual(['raw', 'sdk-v2', 'sdk-v1', 'fastmcp', 'tmcp', 'mcpforge-1', 'mcpforge-1-apikey', 'mcpforge-100-apikey']);
    for (const conc of ['1', '32']) {
      for (const id of ids) {
        const s = report.http.stats[conc][id];
        expect(s.rps.median, `${id} c=${conc}`).toBeGreaterThan(0);
        expect(s.p99Ms.median, `${id} c=${conc}`).toBeGreaterThan(0);
        expect(s.errors, `${id} c=${conc}`).toBe(0);
      }
    }
    for (const c of [...report.http.contenders, ...report.http.twins]) {
      expect(c.rssMiB.peak, c.id).toBeGreaterThan(10);
      // Each contender's reply was checked before timing: add(2, 3) = 5.
      expect(c.verified.result.content[0].text, c.id).toBe('5');
    }

    // The twins are measured against their base after the rotation, not in it (quick: no V8-heap
    // twin): every round runs each server once, the order reversing between the two rounds, and a
    // cost is the median of the per-round figures, with their spread.
    expect(report.http.twins.map((t: { id: string; of: string; pair: string }) => [t.id, t.of, t.pair])).toEqual([
      ['mcpforge-1-again', 'mcpforge-1', 'control'],
      ['mcpforge-1-novalidation', 'mcpforge-1', 'validation'],
    ]);
    const { pairs } = report.http;
    expect(pairs.settings).toEqual({ rounds: 2, seconds: 1, connections: 32 });
    expect(Object.keys(pairs.stats)).toEqual(['control', 'validation']);
    for (const [id, p] of Object.entries(pairs.stats) as Array<[string, PairStats]>) {
      expect(p.rounds.map((r) => r.baseFirst), id).toEqual([true, false]);
      for (const r of p.rounds) {
        expect(r.base.rps, id).toBeGreaterThan(0);
        expect(r.twin.cpuUs, id).toBeGreaterThan(0);
        expect(r.cost, id).toBeCloseTo(1 - r.base.rps / r.twin.rps, 10);
      }
      expect(p.cost.n, id).toBe(2);
      expect(p.cost.min, id).toBeLessThanOrEqual(p.cost.median);
      expect(p.cost.max, id).toBeGreaterThanOrEqual(p.cost.median);
      expect(p.cost.q1, id).toBeLessThanOrEqual(p.cost.q3);
      expect(Number.isFinite(p.cpuCost.median), id).toBe(true);
      expect(p.base.errors + p.twin.errors, id).toBe(0);
      expect(p.twin.peakRssMiB, id).toBeGreaterThan(10);
    }
    expect(stdout).toContain('## Twins, paired: each against its base within the same round');
    const validation = report.checks.find((c: { figure: string }) => c.figure.startsWith('validation cost'));
    expect(validation.value).toBe(pairs.stats.validation.cost.median);
    expect(validation.range).toEqual({ min: pairs.stats.validation.cost.min, max: pairs.stats.validation.cost.max });
    // The printed figure says how it was computed, and what the control read.
    expect(validation.figure).toContain('median over 2 rounds of the ratio within the round');
    expect(validation.figure).toContain('the control (the same server twice) read');
    // Decided only when the figure is further from its target than the control is from 0.
    expect(validation.decided).toBe(Math.abs(validation.value - 0.05) > Math.abs(pairs.stats.control.cost.median));

    const cold = report.coldstart.stats;
    expect(Object.keys(cold)).toEqual(['raw', 'sdk-v2', 'sdk-v1', 'fastmcp', 'tmcp', 'mcpforge-1', 'mcpforge-100']);
    for (const [id, s] of Object.entries(cold) as Array<[string, { median: number; n: number }]>) {
      expect(s.n, id).toBe(2);
      expect(s.median, id).toBeGreaterThan(0);
    }

    // Generation (petstore in quick mode): both generators ran on the same file; mcpforge's project
    // type-checks with every tool validated, and a second `generate` finds nothing to do.
    expect(stdout).toContain('## Generation: petstore fixture');
    const gen = report.generation.stats;
    expect(gen.mcpforge.generateSeconds.median).toBeGreaterThan(0);
    expect(gen.mcpforge.tscSeconds.median).toBeGreaterThan(0);
    expect(gen.mcpforge.tscErrors).toBe(0);
    // Checked by the TypeScript a new project declares (7), and by TypeScript 5 for older projects.
    expect(gen.mcpforge.typescript).toMatch(/^7\./);
    expect(gen.mcpforge.typescript5).toMatch(/^5\./);
    expect(gen.mcpforge.tsc5Errors).toBe(0);
    expect(gen.mcpforge.tools).toBeGreaterThan(0);
    expect(gen.mcpforge.toolsWithoutValidation).toBe(0);
    expect(gen.mcpforge.toolsListBytes).toBeGreaterThan(100);
    expect(gen['openapi-mcp-generator'].generateSeconds.median).toBeGreaterThan(0);
    expect(gen['openapi-mcp-generator'].tools).toBe(gen.mcpforge.tools);
    expect(report.generation.noop.seconds.median).toBeGreaterThan(0);
    expect(report.generation.noop.output).toContain('up to date');

    // Scaling (quick: 1 and 100 tools served, 10 and 100 generated): every size produced numbers,
    // and the API-key contenders were really authenticated (a request without the key is refused
    // before timing, see verify()).
    expect(stdout).toContain('## Scaling: tool count');
    expect(report.scaling.serve.map((r: { tools: number }) => r.tools)).toEqual([1, 100]);
    for (const r of report.scaling.serve) {
      expect(r.rps, `${r.tools} tools`).toBeGreaterThan(0);
      expect(r.errors, `${r.tools} tools`).toBe(0);
      expect(r.peakRssMiB, `${r.tools} tools`).toBeGreaterThan(10);
    }
    expect(report.scaling.generate.map((r: { tools: number }) => r.tools)).toEqual([10, 100]);
    for (const r of report.scaling.generate) expect(r.seconds, `${r.tools} tools`).toBeGreaterThan(0);

    // Regeneration (quick: 100 tools, one run each): the no-op was up to date, the one-schema
    // change regenerated exactly one tool.
    expect(stdout).toContain('## Regeneration of a 100-tool project');
    expect(report.regeneration.noop.seconds.median).toBeGreaterThan(0);
    expect(report.regeneration.noop.output).toContain('up to date');
    expect(report.regeneration.oneChange.seconds.median).toBeGreaterThan(0);
    expect(report.regeneration.oneChange.output).toContain('1 of 100 entries regenerated');

    expect(report.checks.length).toBeGreaterThan(5);
    for (const c of report.checks) expect(Number.isFinite(c.value), c.figure).toBe(true);
  });
});

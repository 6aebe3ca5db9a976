import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from './prom.js';
import { registerToolCallMetrics, TOOL_CALL_BUCKETS, type CallOutcome } from './tool-call-metrics.js';

/** The two metrics as they were made before round ten: prom-client's own, fed on every call. */
function promClientPair(registry: Registry) {
  const calls = new Counter({ name: 'mcp_tool_calls_total', help: 'Tool calls by tool and outcome (ok, error, invalid)', labelNames: ['tool', 'outcome'] as const, registers: [registry] });
  const duration = new Histogram({
    name: 'mcp_tool_call_duration_seconds',
    help: 'Tool call latency in seconds, from validated input to result',
    labelNames: ['tool'] as const,
    buckets: [...TOOL_CALL_BUCKETS],
    registers: [registry],
  });
  return {
    observe(tool: string, outcome: CallOutcome, seconds: number) {
      calls.inc({ tool, outcome });
      duration.observe({ tool }, seconds);
    },
  };
}

const OUTCOMES: CallOutcome[] = ['invalid', 'ok', 'error'];

describe('tool call metrics', () => {
  it('scrape the same text and JSON as prom-client fed on every call: label order, bucket edges, sums, scrapes in between, resets', async () => {
    const before = new Registry();
    const now = new Registry();
    const old = promClientPair(before);
    const fresh = registerToolCallMetrics(now, 'mcp_');
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const same = async (step: string) => {
      expect(await now.metrics(), step).toBe(await before.metrics());
      expect(await now.getMetricsAsJSON(), step).toEqual(await before.getMetricsAsJSON());
    };
    await same('empty');
    // Values on every bucket edge, between, above the last bound, and 0.
    const values = [0, ...TOOL_CALL_BUCKETS, ...TOOL_CALL_BUCKETS.map((b) => b * 1.5), 12.5, 0.0004];
    for (let i = 0; i < 400; i++) {
      const tool = ['zeta', 'alpha', 'mid'][Math.floor(random() * 3)]!;
      const outcome = OUTCOMES[Math.floor(random() * 3)]!;
      const seconds = random() < 0.5 ? values[i % values.length]! : random() * 3;
      old.observe(tool, outcome, seconds);
      fresh.observe(tool, outcome, seconds);
      if (i % 97 === 0) await same(`after call ${i}`);
    }
    await same('after 400 calls');
    before.resetMetrics();
    now.resetMetrics();
    await same('after a reset');
    for (const [tool, outcome, seconds] of [['late', 'error', 0.2], ['alpha', 'ok', 0.001]] as const) {
      old.observe(tool, outcome, seconds);
      fresh.observe(tool, outcome, seconds);
    }
    await same('after the reset and two calls');
  });
});

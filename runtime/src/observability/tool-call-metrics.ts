/**
 * `mcp_tool_calls_total{tool,outcome}` and `mcp_tool_call_duration_seconds{tool}`, counted per call
 * in plain numbers and handed to the registry when it is scraped.
 *
 * Why: prom-client's `inc(labels)` and `observe(labels, value)` validate and hash their label
 * object into a string key on every call, and `observe` makes a closure and a pair object and
 * looks its bucket up by a number turned into a property name — ~0.6 KiB and a few µs of every
 * tool call (bench/README.md, round ten), for counts that are read every 15 s or so. Here a call
 * is a `Map` lookup by tool name, a bucket search over 12 numbers and a few additions. The text a
 * scrape returns is prom-client's own, byte for byte (a differential test holds it to that): the
 * counter is prom-client's `Counter`, given the counts since the last scrape by its `collect`
 * hook; the histogram reports its values in the shape prom-client's `Histogram` does, with the
 * same label sets in the same order (first observed first).
 */
import { Counter, type Registry } from './prom.js';

export type CallOutcome = 'ok' | 'error' | 'invalid';

/** Upper bounds of the duration buckets, in seconds (`le`). */
export const TOOL_CALL_BUCKETS: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** One tool's duration histogram. */
class ToolDurations {
  /** Calls per bucket, not cumulative (as prom-client keeps them); a call above the last bound is in none. */
  readonly buckets = new Float64Array(TOOL_CALL_BUCKETS.length);
  sum = 0;
  count = 0;
  /** The histogram's label set (prom-client keeps the first `observe`'s object). */
  readonly labels: { tool: string };

  constructor(tool: string) {
    this.labels = { tool };
  }
}

/** Calls of one tool and outcome since the counter last took them. */
class PendingCount {
  count = 0;
  constructor(readonly labels: { tool: string; outcome: CallOutcome }) {}
}

export interface ToolCallMetrics {
  observe(tool: string, outcome: CallOutcome, seconds: number): void;
}

/**
 * Registers both metrics in `registry` under `prefix` and returns what records a call.
 *
 * @example
 * ```ts
 * const toolCalls = registerToolCallMetrics(registry, 'mcp_');
 * toolCalls.observe('add', 'ok', 0.0004);
 * ```
 */
export function registerToolCallMetrics(registry: Registry, prefix: string): ToolCallMetrics {
  // Each metric keeps its own state, so that resetting one (registry.resetMetrics) leaves the other.
  const durations = new Map<string, ToolDurations>();
  const countsByTool = new Map<string, Partial<Record<CallOutcome, PendingCount>>>();
  // Label sets in the order the counter first saw them (prom-client prints them in that order).
  let pendingCounts: PendingCount[] = [];

  const calls = new Counter({
    name: `${prefix}tool_calls_total`,
    help: 'Tool calls by tool and outcome (ok, error, invalid)',
    labelNames: ['tool', 'outcome'] as const,
    registers: [registry],
    collect() {
      for (const pending of pendingCounts) {
        if (pending.count === 0) continue;
        this.inc(pending.labels, pending.count);
        pending.count = 0;
      }
    },
  });
  const resetCalls = calls.reset.bind(calls);
  calls.reset = () => {
    countsByTool.clear();
    pendingCounts = [];
    resetCalls();
  };

  const name = `${prefix}tool_call_duration_seconds`;
  const bucketName = `${name}_bucket`;
  /** The values of prom-client's `Histogram#getForPromString`, in its order and shape. */
  function histogramValues(): unknown[] {
    const values: unknown[] = [];
    for (const stats of durations.values()) {
      const shared = stats.labels;
      let cumulative = 0;
      for (let i = 0; i < TOOL_CALL_BUCKETS.length; i++) {
        cumulative += stats.buckets[i]!;
        values.push({ labels: { le: TOOL_CALL_BUCKETS[i] }, sharedLabels: shared, value: cumulative, metricName: bucketName, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: shared, value: stats.count, metricName: bucketName, exemplar: null });
      values.push({ labels: {}, sharedLabels: shared, value: stats.sum, metricName: `${name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: shared, value: stats.count, metricName: `${name}_count`, exemplar: undefined });
    }
    return values;
  }
  const duration = {
    name,
    help: 'Tool call latency in seconds, from validated input to result',
    type: 'histogram',
    aggregator: 'sum',
    labelNames: ['tool'],
    async getForPromString() {
      return { name, help: duration.help, type: duration.type, values: histogramValues(), aggregator: duration.aggregator };
    },
    async get() {
      const data = await duration.getForPromString();
      // As prom-client's `get`: the shared labels merged into each value's own.
      data.values = data.values.map((value) => {
        const { sharedLabels, labels, ...rest } = value as { sharedLabels: Record<string, unknown>; labels: Record<string, unknown> };
        return { ...rest, labels: { ...labels, ...sharedLabels } };
      });
      return data;
    },
    reset() {
      durations.clear();
    },
  };
  registry.registerMetric(duration as never);

  return {
    observe(tool, outcome, seconds) {
      let counts = countsByTool.get(tool);
      if (counts === undefined) countsByTool.set(tool, (counts = {}));
      let pending = counts[outcome];
      if (pending === undefined) pendingCounts.push((pending = counts[outcome] = new PendingCount({ tool, outcome })));
      pending.count++;
      let stats = durations.get(tool);
      if (stats === undefined) durations.set(tool, (stats = new ToolDurations(tool)));
      stats.sum += seconds;
      stats.count++;
      for (let i = 0; i < TOOL_CALL_BUCKETS.length; i++) {
        if (seconds <= TOOL_CALL_BUCKETS[i]!) {
          stats.buckets[i]!++;
          break;
        }
      }
    },
  };
}

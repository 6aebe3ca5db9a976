import { describe, expect, it } from 'vitest';
import type { DestinationStream } from 'pino';
import { createLogger, createMetrics } from './index.js';

describe('observability', () => {
  it('logs JSON lines at the configured level', () => {
    const lines: string[] = [];
    const destination: DestinationStream = { write: (s: string) => void lines.push(s) };
    const log = createLogger({ level: 'warn', name: 'svc', destination });
    log.info('hidden');
    log.child({ requestId: 'r1' }).warn({ tool: 't' }, 'shown');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'svc', requestId: 'r1', tool: 't', msg: 'shown', level: 40 });
  });

  it('counts tool calls by outcome and records latency', async () => {
    const metrics = createMetrics();
    metrics.observeToolCall('add', 'ok', 0.002);
    metrics.observeToolCall('add', 'ok', 0.003);
    metrics.observeToolCall('add', 'invalid', 0);
    const text = await metrics.metricsText();
    expect(text).toContain('mcp_tool_calls_total{tool="add",outcome="ok"} 2');
    expect(text).toContain('mcp_tool_calls_total{tool="add",outcome="invalid"} 1');
    expect(text).toContain('mcp_tool_call_duration_seconds_count{tool="add"} 3');
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('keeps registries apart and adds process metrics on request', async () => {
    const a = createMetrics();
    const b = createMetrics({ processMetrics: true });
    a.observeToolCall('x', 'ok', 0.1);
    expect(await b.metricsText()).not.toContain('tool="x"');
    expect(await b.metricsText()).toContain('process_cpu_user_seconds_total');
  });
});

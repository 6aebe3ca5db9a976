import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

  it('the default stderr writer delivers every line whole and in order, multi-byte text included, and closeLogger waits for them', () => {
    // A child process: the writer is fd 2 itself. 20,000 lines in one burst, so most are appended
    // while an earlier write is still in flight (the path the buffer mode changes).
    // The built module (`npm test` and test:all build first): a child process runs plain JavaScript.
    const module = fileURLToPath(new URL('../../dist/observability/index.js', import.meta.url));
    expect(existsSync(module), 'run `npm run build` first').toBe(true);
    const script = `
      const { createLogger, closeLogger } = await import(${JSON.stringify(module)});
      const log = createLogger({ name: 'svc' });
      for (let i = 0; i < 20000; i++) log.info({ i, text: 'café ☕ 日本 ' + 'x'.repeat(i % 50) }, 'line');
      await closeLogger(log);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(child.status, child.stderr.slice(0, 500)).toBe(0);
    const stderr = child.stderr;
    const lines = stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as { i: number; text: string; name: string });
    expect(lines).toHaveLength(20000);
    lines.forEach((line, i) => {
      expect(line.i).toBe(i);
      expect(line.text).toBe('café ☕ 日本 ' + 'x'.repeat(i % 50));
    });
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

  it("makes its metrics with prom-client's own classes (loaded without the index) and still collects process metrics on request", async () => {
    const prom = await import('prom-client');
    const own = await import('./prom.js');
    expect([own.Registry, own.Counter, own.Gauge, own.Histogram]).toEqual([prom.Registry, prom.Counter, prom.Gauge, prom.Histogram]);
    const metrics = createMetrics({ processMetrics: true });
    metrics.observeToolCall('add', 'ok', 0.002);
    const text = await metrics.metricsText();
    expect(text).toContain('mcp_tool_calls_total{tool="add",outcome="ok"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(await createMetrics().metricsText()).not.toContain('process_cpu_user_seconds_total');
  });
});

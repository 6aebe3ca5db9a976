/**
 * The etcd v3 adapter of `Registry` (client: the `etcd3` package, loaded only when used).
 *
 * A record is one key, `<prefix><service>/<id>`, attached to a lease the client keeps alive. When
 * the lease is lost (etcd unreachable longer than the TTL) the key is gone cluster-side; the
 * adapter then takes a new lease and writes the record again, so a replica that survives an etcd
 * outage reappears without a restart.
 */
import type { Etcd3, Lease } from 'etcd3';
import type { Registry, RegistryChange, RegistryOptions, ServiceRecord } from './types.js';

const DEFAULT_PREFIX = '/mcpforge/services/';

export async function createEtcdRegistry(url: string, options: RegistryOptions = {}): Promise<Registry> {
  let etcd: typeof import('etcd3');
  try {
    etcd = await import('etcd3');
  } catch {
    throw new Error('MCP_REGISTRY=etcd://... needs the etcd3 package: npm install etcd3');
  }
  const parsed = new URL(url.replace(/^etcds?:/, (s) => (s === 'etcds:' ? 'https:' : 'http:')));
  const scheme = url.startsWith('etcds:') ? 'https' : 'http';
  // etcd://a:2379,b:2379 — several endpoints in the authority.
  const hosts = url
    .replace(/^etcds?:\/\//, '')
    .split('/')[0]!
    .split(',')
    .map((h) => `${scheme}://${h.includes(':') ? h : `${h}:2379`}`);
  const client: Etcd3 = new etcd.Etcd3({
    hosts,
    ...(parsed.username ? { auth: { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } } : {}),
    dialTimeout: 3000,
  });
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const keyOf = (record: ServiceRecord) => `${prefix}${record.service}/${record.id}`;
  let lease: Lease | undefined;
  let current: { record: ServiceRecord; ttl: number } | undefined;
  let closed = false;

  const grant = async (record: ServiceRecord, ttl: number): Promise<void> => {
    const next = client.lease(ttl, { autoKeepAlive: true });
    next.on('lost', (error: Error) => {
      if (closed || lease !== next || !current) return;
      options.onEvent?.('lease lost; registering again', { error: error.message });
      lease = undefined;
      void grant(current.record, current.ttl).catch((err: Error) => options.onEvent?.('re-registration failed', { error: err.message }));
    });
    await next.put(keyOf(record)).value(JSON.stringify(record));
    lease = next;
  };

  return {
    async register(record, ttlSeconds) {
      current = { record, ttl: ttlSeconds };
      await grant(record, ttlSeconds);
    },
    async update(record) {
      if (!current || !lease) throw new Error('update before register');
      current = { ...current, record };
      await lease.put(keyOf(record)).value(JSON.stringify(record));
    },
    async deregister() {
      const held = lease;
      const record = current?.record;
      lease = undefined;
      current = undefined;
      if (held) await held.revoke();
      else if (record) await client.delete().key(keyOf(record));
    },
    async list(service) {
      const values = await client.getAll().prefix(service === undefined ? prefix : `${prefix}${service}/`).strings();
      return Object.values(values).flatMap((text) => parseRecord(text) ?? []);
    },
    async watch(service, onChange) {
      const watcher = await client.watch().prefix(service === undefined ? prefix : `${prefix}${service}/`).create();
      watcher.on('put', (kv) => {
        const record = parseRecord(kv.value.toString());
        if (record) onChange({ type: 'put', record });
      });
      watcher.on('delete', (kv) => {
        const key = kv.key.toString();
        onChange({ type: 'delete', id: key.slice(key.lastIndexOf('/') + 1) } satisfies RegistryChange);
      });
      return () => watcher.cancel();
    },
    async close() {
      closed = true;
      // Stop the keep-alive without revoking: a registration left behind expires with its TTL.
      lease?.release();
      client.close();
    },
  };
}

function parseRecord(text: string): ServiceRecord | undefined {
  try {
    const value = JSON.parse(text) as ServiceRecord;
    return typeof value.id === 'string' && typeof value.address === 'string' && typeof value.service === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Service registry: where the replicas of a server (and of each tool group) announce themselves
 * and where the gateway finds them.
 *
 * A replica registers one `ServiceRecord` under a lease (TTL); the adapter keeps the lease alive
 * while the process runs and revokes it on graceful shutdown (SIGTERM), so a drained replica leaves
 * the registry before it stops answering, and a crashed one leaves when its lease expires.
 *
 * Adapters, chosen by `MCP_REGISTRY`:
 * - `etcd://host:2379[,host2:2379]` — etcd v3 (the `etcd3` package, an optional dependency).
 * - `k8s://<namespace>/<app>?groups=a,b&port=3000` — Kubernetes: registration is the pod's
 *   readiness (a headless Service per group publishes ready pods in DNS); discovery reads those DNS
 *   records. `register` is a no-op there.
 * - anything else: implement `Registry` and hand it to `runServer({ registry })` / the gateway.
 */

export type { Registry, RegistryChange, RegistryOptions, ServiceRecord, Unwatch } from './types.js';
import type { Registry, RegistryOptions } from './types.js';

/** Opens the registry named by a `MCP_REGISTRY` URL; throws naming the variable for an unknown scheme. */
export async function openRegistry(url: string, options: RegistryOptions = {}): Promise<Registry> {
  const scheme = url.slice(0, url.indexOf('://'));
  switch (scheme) {
    case 'etcd':
    case 'etcds':
      return (await import('./etcd.js')).createEtcdRegistry(url, options);
    case 'k8s':
    case 'kubernetes':
      return (await import('./kubernetes.js')).createKubernetesRegistry(url);
    default:
      throw new Error(`MCP_REGISTRY: unknown registry "${url}" — use etcd://host:2379 or k8s://<namespace>/<app>?groups=a,b (or pass your own Registry)`);
  }
}

/** A replica id that is unique across hosts and restarts. */
export function replicaId(hostname: string, pid: number): string {
  return `${hostname}-${pid}-${Math.random().toString(36).slice(2, 8)}`;
}

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

/** What one replica announces. */
export interface ServiceRecord {
  /** The server's name (the spec's `name`). */
  service: string;
  /** Its tool group (`MCP_GROUP`); absent for a replica serving every tool. */
  group?: string;
  /** Unique per replica (hostname + pid + random by default). */
  id: string;
  /** Where its MCP endpoint answers, e.g. `http://10.0.0.7:3000/mcp`. */
  address: string;
  protocolVersions: string[];
  tools: string[];
  health: 'serving' | 'draining';
  /** When the record was written (ms since the epoch). */
  updatedAt: number;
}

export type RegistryChange = { type: 'put'; record: ServiceRecord } | { type: 'delete'; id: string };

/** Stops a watch. */
export type Unwatch = () => Promise<void>;

/**
 * The interface every adapter implements (and a custom registry can). All methods may be called
 * concurrently; `close` releases connections and must not deregister (call `deregister` first).
 */
export interface Registry {
  /** Registers (or replaces) this replica's record under a lease of `ttlSeconds`, kept alive until `deregister`. */
  register(record: ServiceRecord, ttlSeconds: number): Promise<void>;
  /** Updates this replica's record in place (same lease), e.g. `health: 'draining'`. */
  update(record: ServiceRecord): Promise<void>;
  /** Removes this replica's record now (revokes its lease). */
  deregister(): Promise<void>;
  /** Every live record of `service` (every service when omitted). */
  list(service?: string): Promise<ServiceRecord[]>;
  /** Calls `onChange` for each record put or removed from now on; resolves once the watch is active. */
  watch(service: string | undefined, onChange: (change: RegistryChange) => void): Promise<Unwatch>;
  close(): Promise<void>;
}

export interface RegistryOptions {
  /** Key prefix in etcd (default `/mcpforge/services/`). */
  prefix?: string;
  /** Reports lease losses and re-registrations. */
  onEvent?: (event: string, details?: Record<string, unknown>) => void;
}

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

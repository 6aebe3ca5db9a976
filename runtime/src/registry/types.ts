/** The registry's types, apart so the adapters need not import the module that loads them. */

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

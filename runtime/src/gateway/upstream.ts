/**
 * The gateway's side of the wire: JSON-RPC POSTs to group replicas (stateless Streamable HTTP,
 * protocol 2025-11-25), picking the healthy replica with the fewest outstanding requests, and
 * retrying only when that cannot run a call twice.
 *
 * When a retry is safe:
 * - the replica never took the request: connection refused, or its edge answered 503 while
 *   shutting down (transports/http.ts) — always, whatever the call;
 * - the outcome is unknown (connection reset, replica killed mid-call): only for reads (lists,
 *   resources/read, prompts/get), tools annotated readOnlyHint or idempotentHint, and calls that
 *   carry an idempotency key (the replica's call guard answers a repeated key from the stored result).
 */
import type { ServiceRecord } from '../registry/index.js';

export const UPSTREAM_PROTOCOL_VERSION = '2025-11-25';
/** A replica that refused a connection is skipped for this long (passive health check). */
const EJECT_MS = 2000;
/** How long a call waits for a replica of its group to (re)appear before failing. */
const NO_REPLICA_WAIT_MS = 8000;
const MAX_ATTEMPTS = 5;

interface Replica {
  record: ServiceRecord;
  outstanding: number;
  downUntil: number;
}

export interface RouterStats {
  calls: number;
  retries: number;
  errors: number;
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    /** Whether the replica may have run the request. */
    readonly maybeProcessed: boolean,
  ) {
    super(message);
  }
}

export interface JsonRpcAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export interface Router {
  /** Replaces or adds a replica (registry put). */
  put(record: ServiceRecord): void;
  /** Removes a replica (registry delete). */
  remove(id: string): void;
  /** Group keys with at least one replica. */
  groups(): string[];
  replicas(group: string): ServiceRecord[];
  send(group: string, method: string, params: Record<string, unknown>, options: { safe: boolean; headers?: Record<string, string>; signal?: AbortSignal }): Promise<JsonRpcAnswer>;
  readonly stats: RouterStats;
}

/** A group key: `<service>/<group>` (`<service>/` for a replica serving every tool). */
export const groupKey = (record: Pick<ServiceRecord, 'service' | 'group'>) => `${record.service}/${record.group ?? ''}`;

export function createRouter(): Router {
  const replicas = new Map<string, Replica>();
  const waiters = new Set<() => void>();
  const stats: RouterStats = { calls: 0, retries: 0, errors: 0 };
  let nextId = 1;

  const pick = (group: string, avoid: Set<string>): Replica | undefined => {
    const now = Date.now();
    let best: Replica | undefined;
    for (const replica of replicas.values()) {
      if (groupKey(replica.record) !== group || replica.record.health !== 'serving' || avoid.has(replica.record.id) || replica.downUntil > now) continue;
      if (!best || replica.outstanding < best.outstanding) best = replica;
    }
    return best;
  };
  const waitForReplica = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });

  const post = async (replica: Replica, method: string, params: Record<string, unknown>, headers: Record<string, string>, signal?: AbortSignal): Promise<JsonRpcAnswer> => {
    const id = nextId++;
    let response: Response;
    try {
      response = await fetch(replica.record.address, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': UPSTREAM_PROTOCOL_VERSION, ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      // Refused: nothing reached the replica. Anything else may have been sent.
      throw new UpstreamError(`${replica.record.address}: ${code ?? (error as Error).message}`, code !== 'ECONNREFUSED');
    }
    if (response.status === 503) {
      await response.body?.cancel();
      throw new UpstreamError(`${replica.record.address}: 503 (shutting down)`, false);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new UpstreamError(`${replica.record.address}: answer cut off (${(error as Error).message})`, true);
    }
    if (!response.ok && !text.startsWith('{')) throw new UpstreamError(`${replica.record.address}: HTTP ${response.status}`, response.status >= 500);
    return parseAnswer(text, id, response.headers.get('content-type') ?? '', replica.record.address);
  };

  return {
    stats,
    put(record) {
      const known = replicas.get(record.id);
      replicas.set(record.id, { record, outstanding: known?.outstanding ?? 0, downUntil: 0 });
      for (const wake of [...waiters]) wake();
    },
    remove(id) {
      replicas.delete(id);
    },
    groups: () => [...new Set([...replicas.values()].map((r) => groupKey(r.record)))],
    replicas: (group) => [...replicas.values()].filter((r) => groupKey(r.record) === group).map((r) => r.record),
    async send(group, method, params, options) {
      stats.calls++;
      const tried = new Set<string>();
      const started = Date.now();
      let last: Error | undefined;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        let replica = pick(group, tried) ?? pick(group, new Set());
        while (!replica && Date.now() - started < NO_REPLICA_WAIT_MS) {
          await waitForReplica(Math.min(250, NO_REPLICA_WAIT_MS - (Date.now() - started)));
          replica = pick(group, new Set());
        }
        if (!replica) break;
        tried.add(replica.record.id);
        replica.outstanding++;
        try {
          return await post(replica, method, params, options.headers ?? {}, options.signal);
        } catch (error) {
          last = error as Error;
          if (!(error instanceof UpstreamError) || options.signal?.aborted) break;
          replica.downUntil = Date.now() + EJECT_MS;
          if (error.maybeProcessed && !options.safe) break;
          stats.retries++;
        } finally {
          replica.outstanding--;
        }
      }
      stats.errors++;
      throw new Error(last ? `no replica of ${group} answered: ${last.message}` : `no healthy replica of ${group} is registered`);
    },
  };
}

/** The JSON-RPC answer with id `id` from a JSON body or an event stream. */
function parseAnswer(text: string, id: number, contentType: string, address: string): JsonRpcAnswer {
  const bodies = contentType.includes('text/event-stream')
    ? text
        .split(/\r?\n\r?\n/)
        .map((event) => event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n'))
        .filter(Boolean)
    : [text];
  for (const body of bodies) {
    try {
      const message = JSON.parse(body) as { id?: unknown } & JsonRpcAnswer;
      if (message.id === id || (message.id === null && message.error)) return { ...(message.result ? { result: message.result } : {}), ...(message.error ? { error: message.error } : {}) };
    } catch {
      // not JSON: skip
    }
  }
  throw new UpstreamError(`${address}: no answer to request ${id} in the response`, true);
}

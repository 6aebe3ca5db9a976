/**
 * The instance pool behind the server factory. Over HTTP the SDK asks the factory for an instance
 * per request and closes it afterwards, and it refuses an instance that is still serving another
 * request, so instances are handed out one request at a time and put back when the SDK closes
 * them. One idle list per protocol era: an instance is bound to the era of the request it was
 * built for.
 */
import type { McpServer } from '@modelcontextprotocol/server';

export type Era = 'legacy' | 'modern';

export interface PoolStats {
  built: number;
  reused: number;
  idle: number;
}

export interface ServerPool {
  /** An instance for one request or connection; back to the pool when its server closes. */
  acquire(era: Era): McpServer;
  /** Builds idle instances ahead of traffic so the first requests do not pay for registration. */
  warm(count: number, era?: Era): void;
  readonly stats: PoolStats;
}

export interface ServerPoolOptions {
  /** Builds a fully registered instance. */
  build: () => McpServer;
  /** Idle instances kept per era; more are built on demand and dropped on return. */
  maxIdle: number;
  /** Forgets per-instance state (subscriptions) when an instance comes back. */
  onReturn?: (server: McpServer) => void;
}

/**
 * How many instances an HTTP server builds ahead of traffic for a manifest of `tools` tools.
 *
 * Why not always two: each instance holds its own registration of every tool (the SDK's record,
 * its closures and ours: ~1.5 KB per tool), so for 1,000 tools an idle instance is ~1.5 MiB of
 * live heap, and the compact heap (start/heap.ts) lets the peak grow with the live heap
 * (bench/README.md, "Peak RSS"). Over HTTP the fast path answers modern `tools/call` without an
 * instance; the one built ahead spares the first SDK-path request (a `tools/list`, a 2025 session)
 * the registration, and a second one at the same moment builds its own (kept for later, as always).
 */
export function warmInstancesFor(tools: number): number {
  return tools > LARGE_MANIFEST_TOOLS ? 1 : 2;
}

/** Past this many tools, one instance is built ahead instead of two (`warmInstancesFor`). */
export const LARGE_MANIFEST_TOOLS = 100;

export function createServerPool(options: ServerPoolOptions): ServerPool {
  const { build, maxIdle } = options;
  const idle: Record<Era, McpServer[]> = { legacy: [], modern: [] };
  const lent = new Set<McpServer>();
  const stats = { built: 0, reused: 0 };

  return {
    acquire(era) {
      let server = idle[era].pop();
      if (server) stats.reused++;
      else {
        server = build();
        stats.built++;
      }
      const instance = server;
      lent.add(instance);
      instance.server.onclose = () => {
        // Guarded: a second close must not put the instance in the pool twice.
        if (!lent.delete(instance)) return;
        options.onReturn?.(instance);
        if (idle[era].length < maxIdle) idle[era].push(instance);
      };
      return instance;
    },
    warm(count, era = 'modern') {
      while (idle[era].length < Math.min(count, maxIdle)) {
        idle[era].push(build());
        stats.built++;
      }
    },
    get stats() {
      return { ...stats, idle: idle.legacy.length + idle.modern.length };
    },
  };
}

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

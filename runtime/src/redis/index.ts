/**
 * One Redis connection per process (ioredis), shared by the cache and the rate limiter, with an
 * explicit up/down state.
 *
 * Redis is an accelerator, never a dependency of serving: commands fail fast while it is down (no
 * offline queue, one short timeout), callers fall back (no cache, per-replica limits), a warning is
 * logged once per outage and `mcp_redis_up` drops to 0. ioredis reconnects on its own; the first
 * `ready` after an outage logs the recovery. ioredis is imported dynamically: only processes with a
 * `REDIS_URL` load it.
 */
import type { Redis as RedisClient } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from '../observability/prom.js';

export interface RedisHandle {
  readonly client: RedisClient;
  /** Prefix of every key written through this handle (`mcpforge:<name>:`). */
  readonly prefix: string;
  /** True while the connection is ready. */
  readonly up: boolean;
  /** Records a failed command: marks the outage (one warning) and counts it. */
  failed(what: string, error: unknown): void;
  /** Counts a request served by a fallback (`cache` bypassed, `rate-limit` local). */
  fellBack(what: 'cache' | 'rate-limit'): void;
  /** `up` or `down`, for `/readyz`. */
  state(): 'up' | 'down';
  close(): Promise<void>;
}

export interface ConnectRedisOptions {
  url: string;
  prefix: string;
  logger?: Logger;
  /** Registry for `mcp_redis_up`, `mcp_redis_errors_total`, `mcp_redis_fallbacks_total`. */
  registry?: Registry;
  /** Per-command timeout in milliseconds (default 500). */
  commandTimeoutMs?: number;
}

/**
 * Connects without waiting: a server whose Redis is down at start still starts (degraded).
 *
 * @example
 * ```ts
 * const redis = await connectRedis({ url: 'redis://127.0.0.1:6379', prefix: 'mcpforge:notes:', logger });
 * const cache = createRedisCache(redis);
 * ```
 */
export async function connectRedis(options: ConnectRedisOptions): Promise<RedisHandle> {
  const { Redis } = await import('ioredis');
  const log = options.logger;
  const client: RedisClient = new Redis(options.url, {
    // Fail commands at once while disconnected instead of queueing them behind the outage.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 2_000,
    // Reconnect forever, backing off to one attempt a second.
    retryStrategy: (times: number) => Math.min(50 * times, 1_000),
    lazyConnect: false,
  });
  const registry = options.registry;
  const upGauge = registry
    ? new Gauge({ name: 'mcp_redis_up', help: '1 while the Redis connection is ready, 0 during an outage', registers: [registry] })
    : undefined;
  const errors = registry
    ? new Counter({ name: 'mcp_redis_errors_total', help: 'Redis commands that failed (the request was served without Redis)', registers: [registry] })
    : undefined;
  const fallbacks = registry
    ? new Counter({
        name: 'mcp_redis_fallbacks_total',
        help: 'Requests served by a fallback because Redis was down (cache bypassed, per-replica rate limit)',
        labelNames: ['what'] as const,
        registers: [registry],
      })
    : undefined;

  let up = false;
  let outageSince: number | undefined;
  upGauge?.set(0);
  const markDown = (reason: string, error?: unknown) => {
    if (up || outageSince === undefined) {
      outageSince = Date.now();
      log?.warn({ err: error, reason }, 'Redis unavailable: serving without the shared cache, rate limits fall back to this replica');
    }
    up = false;
    upGauge?.set(0);
  };
  client.on('ready', () => {
    if (outageSince !== undefined) log?.info({ downMs: Date.now() - outageSince }, 'Redis connection restored');
    outageSince = undefined;
    up = true;
    upGauge?.set(1);
  });
  client.on('error', (error: Error) => markDown('connection error', error));
  client.on('close', () => {
    if (up) markDown('connection closed');
  });
  let closed = false;
  // A first connection attempt that fails is an outage like any other, reported once.
  const firstTimer = setTimeout(() => {
    if (!up && outageSince === undefined && !closed) markDown('not connected 2 s after start');
  }, 2_000);
  firstTimer.unref();

  return {
    client,
    prefix: options.prefix,
    get up() {
      return up;
    },
    failed(what, error) {
      errors?.inc();
      // A slow command on a live connection is not an outage; a dead connection is.
      if (client.status !== 'ready') markDown(`${what} failed`, error);
      else log?.debug({ err: error, what }, 'Redis command failed');
    },
    fellBack(what) {
      fallbacks?.inc({ what });
    },
    state() {
      return up ? 'up' : 'down';
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(firstTimer);
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

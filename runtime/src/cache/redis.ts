/**
 * The contract's `Cache` on Redis: shared by every replica, values stored as JSON with a TTL.
 *
 * A Redis outage degrades to "no cache", never to a failed call: reads miss, writes are dropped,
 * `wrap` computes. Concurrent `wrap` calls for one key in this process still share one compute.
 */
import type { Cache } from '../server/contract.js';
import type { RedisHandle } from '../redis/index.js';

/**
 * @example
 * ```ts
 * const cache = createRedisCache(await connectRedis({ url: process.env.REDIS_URL!, prefix: 'mcpforge:weather:' }));
 * ```
 */
export function createRedisCache(redis: RedisHandle): Cache {
  const prefix = `${redis.prefix}cache:`;
  const pending = new Map<string, Promise<unknown>>();

  async function get<T>(key: string): Promise<T | undefined> {
    if (!redis.up) {
      redis.fellBack('cache');
      return undefined;
    }
    try {
      const raw = await redis.client.get(prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    } catch (error) {
      redis.failed('cache get', error);
      return undefined;
    }
  }

  async function set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    if (!redis.up) return;
    try {
      if (!(ttlSeconds > 0) || value === undefined) await redis.client.del(prefix + key);
      else await redis.client.set(prefix + key, JSON.stringify(value), 'PX', Math.ceil(ttlSeconds * 1000));
    } catch (error) {
      redis.failed('cache set', error);
    }
  }

  return {
    get,
    set,
    async delete(key) {
      if (!redis.up) return;
      try {
        await redis.client.del(prefix + key);
      } catch (error) {
        redis.failed('cache delete', error);
      }
    },
    async wrap<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T> {
      const hit = await get<T>(key);
      if (hit !== undefined) return hit;
      const inFlight = pending.get(key);
      if (inFlight) return inFlight as Promise<T>;
      const promise = (async () => {
        try {
          const value = await compute();
          await set(key, value, ttlSeconds);
          return value;
        } finally {
          pending.delete(key);
        }
      })();
      pending.set(key, promise);
      return promise;
    },
  };
}

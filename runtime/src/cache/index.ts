/**
 * In-memory LRU cache with per-entry TTL, implementing the contract's `Cache`, on lru-cache.
 * Expiry is checked lazily on read (no timers to keep the process alive or to clear at shutdown).
 */
import { LRUCache } from 'lru-cache';
import type { Cache } from '../server/contract.js';

export interface MemoryCacheOptions {
  /** Most entries kept before the least recently used is evicted (default 1,000). */
  maxEntries?: number;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

export interface MemoryCache extends Cache {
  /** Entries currently stored (expired ones included until they are read or evicted). */
  readonly size: number;
  clear(): Promise<void>;
}

/** lru-cache stores objects; cached values may be anything (`null`, numbers, strings). */
interface Boxed {
  value: unknown;
}

/**
 * @example
 * ```ts
 * const cache = createMemoryCache({ maxEntries: 500 });
 * const forecast = await cache.wrap(`forecast:${city}`, 60, () => fetchForecast(city));
 * ```
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): MemoryCache {
  const maxEntries = options.maxEntries ?? 1000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`createMemoryCache: maxEntries must be a positive integer, got ${String(maxEntries)}`);
  }
  const entries = new LRUCache<string, Boxed>({
    max: maxEntries,
    // Every entry has its own TTL; 0 would mean "forever" to lru-cache, so "do not cache" is handled in write().
    ttl: 1,
    ttlResolution: 0,
    ...(options.now ? { perf: { now: options.now } } : {}),
  });
  // Computations in flight, so concurrent `wrap` calls for one key share a single compute.
  const pending = new Map<string, Promise<unknown>>();

  const read = (key: string): Boxed | undefined => entries.get(key);

  function write(key: string, value: unknown, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) {
      // A zero or negative TTL means "do not cache"; drop any older value so reads stay fresh.
      entries.delete(key);
      return;
    }
    entries.set(key, { value }, { ttl: ttlSeconds * 1000 });
  }

  return {
    get size() {
      return entries.size;
    },
    async get<T = unknown>(key: string): Promise<T | undefined> {
      return read(key)?.value as T | undefined;
    },
    async set(key, value, ttlSeconds) {
      write(key, value, ttlSeconds);
    },
    async delete(key) {
      entries.delete(key);
    },
    async clear() {
      entries.clear();
    },
    wrap<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T> {
      const hit = read(key);
      if (hit) return Promise.resolve(hit.value as T);
      const inFlight = pending.get(key);
      if (inFlight) return inFlight as Promise<T>;
      const promise = (async () => {
        try {
          const value = await compute();
          write(key, value, ttlSeconds);
          return value;
        } finally {
          // Failures are not cached: the next caller computes again.
          pending.delete(key);
        }
      })();
      pending.set(key, promise);
      return promise;
    },
  };
}

export { createRedisCache } from './redis.js';

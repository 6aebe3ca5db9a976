/**
 * Rate limits per caller and per tool, from the manifest's `rateLimit.perMinute`.
 *
 * Fixed one-minute windows: a counter per (tool, caller, window). In memory (dev, one process) or on
 * Redis (production): one Lua script increments and sets the expiry atomically, so the limit holds
 * across every replica. While Redis is down each replica limits on its own (the in-memory limiter),
 * which is counted in `mcp_redis_fallbacks_total{what="rate-limit"}`.
 */
import type { RedisHandle } from '../redis/index.js';

export interface RateLimitDecision {
  allowed: boolean;
  /** Calls left in the current window (0 when refused). */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateLimiter {
  /** Counts one call against `key` and says whether it is within `limit` per `windowMs`. */
  hit(key: string, limit: number, windowMs?: number): Promise<RateLimitDecision>;
}

export interface MemoryRateLimiterOptions {
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

const MINUTE = 60_000;

/**
 * @example
 * ```ts
 * const limiter = createMemoryRateLimiter();
 * const { allowed } = await limiter.hit(`get_forecast:${ctx.auth.subject}`, 60);
 * ```
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const counters = new Map<string, { window: number; count: number }>();
  let lastSweep = 0;
  return {
    async hit(key, limit, windowMs = MINUTE) {
      const t = now();
      const window = Math.floor(t / windowMs);
      // Drop counters of past windows now and then, so idle callers do not accumulate.
      if (t - lastSweep > windowMs) {
        lastSweep = t;
        for (const [k, v] of counters) if (v.window < window) counters.delete(k);
      }
      let counter = counters.get(key);
      if (!counter || counter.window !== window) {
        counter = { window, count: 0 };
        counters.set(key, counter);
      }
      counter.count++;
      const resetMs = (window + 1) * windowMs - t;
      return { allowed: counter.count <= limit, remaining: Math.max(0, limit - counter.count), resetMs };
    },
  };
}

// KEYS[1] counter key; ARGV[1] window in ms. Returns {count, ms to expiry}.
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

export interface RedisRateLimiterOptions {
  /** Used while Redis is down (default: a fresh in-memory limiter, i.e. per replica). */
  fallback?: RateLimiter;
  now?: () => number;
}

/**
 * @example
 * ```ts
 * const limiter = createRedisRateLimiter(redis); // redis from connectRedis()
 * ```
 */
export function createRedisRateLimiter(redis: RedisHandle, options: RedisRateLimiterOptions = {}): RateLimiter {
  const fallback = options.fallback ?? createMemoryRateLimiter(options.now ? { now: options.now } : {});
  const now = options.now ?? Date.now;
  const prefix = `${redis.prefix}rl:`;
  const client = redis.client as typeof redis.client & { mcpforgeRateHit?: (key: string, windowMs: number) => Promise<[number, number]> };
  if (typeof client.mcpforgeRateHit !== 'function') {
    // defineCommand sends EVALSHA and falls back to EVAL when the script is not cached (after a restart).
    client.defineCommand('mcpforgeRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  }
  return {
    async hit(key, limit, windowMs = MINUTE) {
      if (!redis.up) {
        redis.fellBack('rate-limit');
        return fallback.hit(key, limit, windowMs);
      }
      const window = Math.floor(now() / windowMs);
      try {
        const [count, ttl] = await client.mcpforgeRateHit!(`${prefix}${key}:${window}`, windowMs);
        return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetMs: ttl };
      } catch (error) {
        redis.failed('rate limit', error);
        redis.fellBack('rate-limit');
        return fallback.hit(key, limit, windowMs);
      }
    },
  };
}

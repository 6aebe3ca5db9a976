import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../observability/index.js';
import { connectRedis, type RedisHandle } from '../redis/index.js';
import { freshRedisPrefix, ownRedis, redisAvailable, REDIS_TEST_URL } from '../__fixtures__/services.js';
import { createRedisCache } from './index.js';

const up = await redisAvailable();
const waitUntil = async (condition: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe.skipIf(!up)('Redis cache (real server)', () => {
  const handles: RedisHandle[] = [];
  let fresh: Awaited<ReturnType<typeof freshRedisPrefix>>;
  afterAll(async () => {
    for (const h of handles) await h.close();
    await fresh?.cleanup();
  });

  it('shares values between replicas, expires them, and computes once per key in a process', async () => {
    fresh = await freshRedisPrefix();
    const a = await connectRedis({ url: REDIS_TEST_URL, prefix: fresh.prefix });
    const b = await connectRedis({ url: REDIS_TEST_URL, prefix: fresh.prefix });
    handles.push(a, b);
    await waitUntil(() => a.up && b.up);
    const ca = createRedisCache(a);
    const cb = createRedisCache(b);
    await ca.set('forecast:paris', { temp: 21, days: [1, 2] }, 60);
    expect(await cb.get('forecast:paris')).toEqual({ temp: 21, days: [1, 2] });
    await ca.set('short', 'x', 0.2);
    expect(await cb.get('short')).toBe('x');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await cb.get('short')).toBeUndefined();
    let computed = 0;
    const compute = async () => {
      computed++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { n: computed };
    };
    const values = await Promise.all([ca.wrap('w', 60, compute), ca.wrap('w', 60, compute), ca.wrap('w', 60, compute)]);
    expect(values).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect(await cb.wrap('w', 60, compute)).toEqual({ n: 1 });
    expect(computed).toBe(1);
    await cb.delete('w');
    expect(await ca.get('w')).toBeUndefined();
  });

  it('bypasses the cache while Redis is down (no failed calls), logs, counts, and recovers', async () => {
    const server = await ownRedis();
    await server.start();
    const metrics = createMetrics();
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg), info: (_o: unknown, msg: string) => warnings.push(msg), debug() {} };
    const handle = await connectRedis({ url: server.url, prefix: 'own:', registry: metrics.registry, logger: logger as never });
    handles.push(handle);
    await waitUntil(() => handle.up);
    const cache = createRedisCache(handle);
    await cache.set('k', 1, 60);
    expect(await cache.get('k')).toBe(1);
    await server.stop();
    await waitUntil(() => !handle.up);
    let computed = 0;
    expect(await cache.wrap('k', 60, async () => ++computed)).toBe(1);
    expect(await cache.wrap('k', 60, async () => ++computed)).toBe(2);
    await cache.set('k', 5, 60);
    expect(await cache.get('k')).toBeUndefined();
    expect(warnings.filter((w) => w.startsWith('Redis unavailable'))).toHaveLength(1);
    expect(await metrics.metricsText()).toMatch(/mcp_redis_fallbacks_total\{what="cache"\} [1-9]/);
    await server.start();
    await waitUntil(() => handle.up, 10_000);
    expect(warnings).toContain('Redis connection restored');
    await cache.set('k', 7, 60);
    expect(await cache.get('k')).toBe(7);
    await server.stop();
  });
});

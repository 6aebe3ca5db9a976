import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../observability/index.js';
import { connectRedis, type RedisHandle } from '../redis/index.js';
import { freshRedisPrefix, ownRedis, redisAvailable, REDIS_TEST_URL } from '../__fixtures__/services.js';
import { createMemoryRateLimiter, createRedisRateLimiter } from './index.js';

describe('memory rate limiter', () => {
  it('allows perMinute calls per key per window, then refuses until the window resets', async () => {
    let now = 120_000;
    const limiter = createMemoryRateLimiter({ now: () => now });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.hit('tool:alice', 3));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]!.resetMs).toBe(60_000);
    expect((await limiter.hit('tool:bob', 3)).allowed).toBe(true);
    now += 60_000;
    expect((await limiter.hit('tool:alice', 3)).allowed).toBe(true);
  });
});

const up = await redisAvailable();

describe.skipIf(!up)('Redis rate limiter (real server)', () => {
  const handles: RedisHandle[] = [];
  let fresh: Awaited<ReturnType<typeof freshRedisPrefix>>;
  afterAll(async () => {
    for (const h of handles) await h.close();
    await fresh?.cleanup();
  });
  const connect = async (url: string, prefix: string) => {
    const metrics = createMetrics();
    const handle = await connectRedis({ url, prefix, registry: metrics.registry });
    handles.push(handle);
    return { handle, metrics };
  };
  const waitUntil = async (condition: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('holds one limit across replicas, atomically', async () => {
    fresh = await freshRedisPrefix();
    const a = await connect(REDIS_TEST_URL, fresh.prefix);
    const b = await connect(REDIS_TEST_URL, fresh.prefix);
    await waitUntil(() => a.handle.up && b.handle.up);
    const replicas = [createRedisRateLimiter(a.handle), createRedisRateLimiter(b.handle)];
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => replicas[i % 2]!.hit('create_note:anonymous', 7)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions.every((d) => d.resetMs > 0 && d.resetMs <= 60_000)).toBe(true);
  });

  it('falls back to a per-replica limit while Redis is down and shares the limit again after it returns', async () => {
    const server = await ownRedis();
    await server.start();
    const { handle, metrics } = await connect(server.url, 'own:');
    await waitUntil(() => handle.up);
    const limiter = createRedisRateLimiter(handle);
    expect((await limiter.hit('t:x', 2)).allowed).toBe(true);
    await server.stop();
    await waitUntil(() => !handle.up);
    const during = await Promise.all([limiter.hit('t:y', 2), limiter.hit('t:y', 2), limiter.hit('t:y', 2)]);
    expect(during.map((d) => d.allowed)).toEqual([true, true, false]);
    let text = await metrics.metricsText();
    expect(text).toMatch(/mcp_redis_up 0/);
    expect(text).toMatch(/mcp_redis_fallbacks_total\{what="rate-limit"\} 3/);
    await server.start();
    await waitUntil(() => handle.up, 10_000);
    // Served by Redis again: a fresh counter there (the fallback's count stays local).
    expect((await limiter.hit('t:y', 2)).allowed).toBe(true);
    text = await metrics.metricsText();
    expect(text).toMatch(/mcp_redis_up 1/);
    await server.stop();
  });
});

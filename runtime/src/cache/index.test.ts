import { describe, expect, it } from 'vitest';
import { createMemoryCache } from './index.js';

describe('memory cache', () => {
  it('expires entries after their TTL', async () => {
    let now = 1000;
    const cache = createMemoryCache({ now: () => now });
    await cache.set('k', { v: 1 }, 10);
    expect(await cache.get('k')).toEqual({ v: 1 });
    now += 9_999;
    expect(await cache.get('k')).toEqual({ v: 1 });
    // Stale once the TTL has fully passed.
    now += 2;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = createMemoryCache({ maxEntries: 2 });
    await cache.set('a', 1, 60);
    await cache.set('b', 2, 60);
    await cache.get('a'); // a is now more recent than b
    await cache.set('c', 3, 60);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('wrap computes once per key under concurrent calls', async () => {
    const cache = createMemoryCache();
    let computed = 0;
    const compute = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 20));
      return 'value';
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('k', 60, compute)));
    expect(results).toEqual(Array(10).fill('value'));
    expect(computed).toBe(1);
    expect(await cache.wrap('k', 60, compute)).toBe('value');
    expect(computed).toBe(1);
  });

  it('does not cache failures, and delete/clear remove entries', async () => {
    const cache = createMemoryCache();
    await expect(cache.wrap('k', 60, async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.wrap('k', 60, async () => 'up')).toBe('up');
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('x', 1, 60);
    await cache.clear();
    expect(cache.size).toBe(0);
    expect(() => createMemoryCache({ maxEntries: 0 })).toThrow(/maxEntries must be a positive integer/);
  });
});

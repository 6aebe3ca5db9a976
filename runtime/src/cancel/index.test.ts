/**
 * Cancellation of a 2025-era call on default stateless HTTP: the `notifications/cancelled` comes
 * on a request of its own and must abort the running handler — in the same process, and on
 * another replica through real Redis pub/sub.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisAvailable, REDIS_TEST_URL } from '../__fixtures__/services.js';
import { legacyRequest, modernRequest, pipelineManifest, runs, startPipeline, tokenTable, type Pipeline } from '../__fixtures__/pipeline.js';
import { createCancellations } from './index.js';

const open = { ...pipelineManifest, auth: { mode: 'none' as const } };
let cleanup: Array<() => Promise<unknown>> = [];
beforeEach(() => runs.clear());
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('registry', () => {
  it('aborts only the same caller\'s call with that id', () => {
    const c = createCancellations();
    const mine = new AbortController();
    const theirs = new AbortController();
    const release = c.track('sub:alice', 1, mine);
    c.track('sub:bob', 1, theirs);
    c.cancel('sub:alice', 1);
    expect(mine.signal.aborted).toBe(true);
    expect(theirs.signal.aborted).toBe(false);
    release();
    expect(c.size).toBe(1);
  });
});

describe('2026-07-28 calls register nothing for notifications/cancelled', () => {
  it.each([true, false])('fast path %s: a modern call is cancelled by closing its own response, not through the registry', async (fastPath) => {
    const p = await startPipeline({ manifest: open, fastPath });
    cleanup.push(() => p.close());
    const call = modernRequest(p.http.url, 'tools/call', { name: 'wait', arguments: { ms: 400 } });
    await until(() => runs.get('wait') === 1);
    // The SDK path lifts the envelope out of `_meta`; either way the call is known to be modern.
    expect(p.factory.cancellations.size).toBe(0);
    await call;
  });
});

describe('notifications/cancelled on stateless HTTP (2025 era)', () => {
  it('aborts the running handler in the same process', async () => {
    const p = await startPipeline({ manifest: open });
    cleanup.push(() => p.close());
    const call = legacyRequest(p.http.url, { id: 7, method: 'tools/call', params: { name: 'wait', arguments: {} } });
    await until(() => runs.get('wait') === 1);
    const cancelled = await legacyRequest(p.http.url, { method: 'notifications/cancelled', params: { requestId: 7, reason: 'user pressed stop' } });
    expect(cancelled.status).toBe(202);
    await until(() => runs.get('wait:aborted') === 1);
    await call;
    expect(p.factory.cancellations.size).toBe(0);
  });

  it('does not let another caller cancel it', async () => {
    const { authenticate } = tokenTable({ alice: { subject: 'alice', scopes: [] }, bob: { subject: 'bob', scopes: [] } });
    const p = await startPipeline({ authenticate });
    cleanup.push(() => p.close());
    const call = legacyRequest(p.http.url, { id: 9, method: 'tools/call', params: { name: 'wait', arguments: { ms: 600 } } }, 'alice');
    await until(() => runs.get('wait') === 1);
    await legacyRequest(p.http.url, { method: 'notifications/cancelled', params: { requestId: 9 } }, 'bob');
    const answer = await call;
    expect(runs.get('wait:aborted')).toBeUndefined();
    expect(JSON.stringify(answer.message)).toContain('finished');
  });

  it('reaches the replica running the call through Redis pub/sub', async () => {
    if (!(await redisAvailable())) return;
    const { Redis } = await import('ioredis');
    const channel = `mcpforge:test:cancel:${Date.now()}:${Math.random()}`;
    const replicas: Pipeline[] = [];
    for (let i = 0; i < 2; i++) {
      const cancellations = createCancellations();
      const redis = new Redis(REDIS_TEST_URL);
      const detach = await cancellations.attachRedis(redis, channel);
      const p = await startPipeline({ manifest: open, cancellations });
      replicas.push(p);
      cleanup.push(() => p.close(), detach, async () => redis.quit());
    }
    const call = legacyRequest(replicas[0]!.http.url, { id: 3, method: 'tools/call', params: { name: 'wait', arguments: {} } });
    await until(() => runs.get('wait') === 1);
    // The cancel lands on the other replica (as a load balancer may send it).
    expect((await legacyRequest(replicas[1]!.http.url, { method: 'notifications/cancelled', params: { requestId: 3 } })).status).toBe(202);
    await until(() => runs.get('wait:aborted') === 1);
    await call;
  });
});

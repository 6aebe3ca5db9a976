/**
 * The task store on both databases: SQLite (in memory) and a fresh PostgreSQL database of its own.
 * Times are passed in explicitly, so leases and TTLs are tested without waiting.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, postgresAvailable } from '../__fixtures__/services.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { createTaskStore } from './store.js';

const pgUp = await postgresAvailable();
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

async function open(kind: 'sqlite' | 'postgres'): Promise<Storage> {
  let url = 'sqlite::memory:';
  if (kind === 'postgres') {
    const db = await freshPostgresDatabase();
    cleanup.push(() => db.drop());
    url = db.url;
  }
  const storage = await createDatabase(url);
  cleanup.push(() => storage.close());
  // The table comes with the runtime's built-in migrations (no project files needed).
  await storage.migrate(mkdtempSync(join(tmpdir(), 'mcpforge-task-store-')));
  return storage;
}

const T0 = 1_800_000_000_000;
const base = { tool: 'report', ttlMs: 60_000, pollIntervalMs: 500, leaseMs: 10_000 };

describe.each([['sqlite'], ...(pgUp ? [['postgres']] : [])] as Array<['sqlite' | 'postgres']>)('task store on %s', (kind) => {
  it('creates, reads (owner only), finishes once, and expires with its TTL', async () => {
    const store = createTaskStore((await open(kind)).db);
    const created = await store.create({ ...base, taskId: 't1', owner: 'sub:alice', runner: 'r1', now: T0 });
    expect(created).toMatchObject({ taskId: 't1', status: 'working', ttlMs: 60_000, expiresAt: T0 + 60_000, leaseUntil: T0 + 10_000, runner: 'r1' });
    expect(await store.get('t1', 'sub:bob', T0)).toBeUndefined();
    expect(await store.get('t1', 'sub:alice', T0)).toMatchObject({ status: 'working' });
    await store.progress('t1', '3/10: crunching', T0 + 1);
    expect((await store.get('t1', 'sub:alice', T0 + 2))?.statusMessage).toBe('3/10: crunching');
    const result = { content: [{ type: 'text', text: 'ok' }], resultType: 'complete' };
    expect(await store.finish('t1', { status: 'completed', result }, T0 + 5)).toBe(true);
    // First writer wins: a late cancel or failure changes nothing.
    expect(await store.finish('t1', { status: 'cancelled', message: 'late' }, T0 + 6)).toBe(false);
    const done = await store.get('t1', 'sub:alice', T0 + 7);
    expect(done).toMatchObject({ status: 'completed', result, updatedAt: T0 + 5 });
    expect(done?.runner).toBeUndefined();
    expect(await store.get('t1', 'sub:alice', T0 + 60_000)).toBeUndefined();
    // Past its TTL, a task still running under a live lease is not deleted under its replica's feet.
    await store.create({ ...base, taskId: 't2', owner: 'sub:alice', runner: 'r1', now: T0 });
    await store.heartbeat('r1', ['t2'], 10_000, T0 + 59_000);
    const reaped = await store.reap('r2', 10_000, () => false, T0 + 60_001);
    expect(reaped.purged).toBe(1);
    expect((await store.reap('r2', 10_000, () => false, T0 + 70_000)).purged).toBe(1);
  });

  it('heartbeats keep a lease; a lapsed lease fails the task with a reason, or hands an idempotent one to another replica', async () => {
    const store = createTaskStore((await open(kind)).db);
    await store.create({ ...base, taskId: 'alive', owner: 'o', runner: 'r1', now: T0 });
    await store.create({ ...base, taskId: 'lost', owner: 'o', runner: 'dead', now: T0 });
    await store.create({ ...base, tool: 'rebuild', taskId: 'again', owner: 'o', runner: 'dead', arguments: { n: 1 }, now: T0 });
    await store.create({ ...base, taskId: 'cancelling', owner: 'o', runner: 'dead', now: T0 });
    expect(await store.requestCancel('cancelling', 'o', T0 + 1)).toMatchObject({ cancelRequested: true });
    expect(await store.requestCancel('cancelling', 'other', T0 + 1)).toBeUndefined();
    expect(await store.cancelRequested('dead')).toEqual(['cancelling']);
    expect(await store.cancelRequested('r1')).toEqual([]);
    // Only the tasks the runner still runs are renewed (nothing else is kept working by a live replica).
    expect(await store.heartbeat('r1', [], 10_000, T0 + 9_000)).toBe(0);
    expect(await store.heartbeat('r1', ['alive', 'lost'], 10_000, T0 + 9_000)).toBe(1);
    const reaped = await store.reap('r2', 10_000, (tool) => tool === 'rebuild', T0 + 15_000);
    expect(reaped.failed.map((t) => [t.taskId, t.status]).sort()).toEqual([
      ['cancelling', 'cancelled'],
      ['lost', 'failed'],
    ]);
    expect(reaped.resumed.map((t) => [t.taskId, t.runner, t.attempts, t.arguments])).toEqual([['again', 'r2', 2, { n: 1 }]]);
    const lost = await store.get('lost', 'o', T0 + 15_001);
    expect(lost?.status).toBe('failed');
    expect(lost?.statusMessage).toMatch(/replica running this task stopped/);
    expect(lost?.error).toEqual({ code: -32603, message: expect.stringMatching(/Task lost/) as unknown as string });
    expect((await store.get('alive', 'o', T0 + 15_001))?.status).toBe('working');
    // A stopping replica releases what it runs: the lease lapses at once and another one takes it.
    await store.release('again', 'r2', T0 + 16_000);
    const handedOver = await store.reap('r4', 10_000, () => true, T0 + 16_000);
    expect(handedOver.resumed.map((t) => [t.taskId, t.runner, t.attempts])).toEqual([['again', 'r4', 3]]);
    // A second reaper at the same moment finds nothing left to take.
    const again = await store.reap('r3', 10_000, () => true, T0 + 16_000);
    expect([again.failed.length, again.resumed.length]).toEqual([0, 0]);
  });
});

/**
 * Two task runners ("replicas") on one database. Input: a task asks on one replica, the client's
 * `tasks/update` lands on the other (PostgreSQL), and the runner takes the answer from the row. A cancel received by one reaches the task the other
 * runs through the cancel module's Redis channel (the lease is long here, so the heartbeat's
 * database check cannot be what stops it), and either one answers tasks/get.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freshPostgresDatabase, postgresAvailable, redisAvailable, REDIS_TEST_URL } from '../__fixtures__/services.js';
import { createCancellations } from '../cancel/index.js';
import { createLogger, createMetrics } from '../observability/index.js';
import { createDatabase } from '../storage/index.js';
import { createTasks, type Tasks } from './index.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

it.skipIf(!(await redisAvailable()))('a cancel on one replica aborts the task running on the other, through Redis', async () => {
  const { Redis } = await import('ioredis');
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-task-replicas-'));
  const channel = `mcpforge:h-tasks:test:${Date.now()}:${Math.random()}:cancel`;
  const replicas: Tasks[] = [];
  for (let i = 0; i < 2; i++) {
    const storage = await createDatabase(`sqlite:${join(dir, 'tasks.db')}`);
    await storage.migrate(dir);
    const cancellations = createCancellations();
    const redis = new Redis(REDIS_TEST_URL);
    const detach = await cancellations.attachRedis(redis, channel);
    const tasks = createTasks({ db: storage.db, registry: createMetrics().registry, logger: createLogger({ level: 'silent' }), cancellations, leaseMs: 600_000 });
    replicas.push(tasks);
    cleanup.push(() => storage.close(), () => tasks.close(), detach, async () => redis.quit());
  }
  const [a, b] = replicas as [Tasks, Tasks];
  let abortedBy: unknown;
  const created = await a.start({
    tool: 'report',
    owner: 'sub:alice',
    run: (signal) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          abortedBy = signal.reason;
          reject(signal.reason as Error);
        }),
      ),
  });
  expect((await b.get(created.taskId, 'sub:alice')).status).toBe('working');
  await expect(b.cancel(created.taskId, 'sub:bob')).rejects.toMatchObject({ code: -32602 });
  await b.cancel(created.taskId, 'sub:alice');
  for (let i = 0; i < 100 && abortedBy === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect((abortedBy as Error | undefined)?.message).toBe('cancelled by the client');
  let status = 'working';
  for (let i = 0; i < 100 && status === 'working'; i++) {
    status = (await b.get(created.taskId, 'sub:alice')).status;
    if (status === 'working') await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(status).toBe('cancelled');
});

it.skipIf(!(await postgresAvailable()))('input asked by a task on one replica is answered through the other (PostgreSQL)', async () => {
  const db = await freshPostgresDatabase();
  cleanup.push(() => db.drop());
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-task-input-'));
  const replicas: Tasks[] = [];
  for (let i = 0; i < 2; i++) {
    const storage = await createDatabase(db.url, { poolSize: 2 });
    await storage.migrate(dir);
    const tasks = createTasks({ db: storage.db, registry: createMetrics().registry, logger: createLogger({ level: 'silent' }), cancellations: createCancellations(), leaseMs: 600_000, pollIntervalMs: 100 });
    replicas.push(tasks);
    cleanup.push(() => storage.close(), () => tasks.close());
  }
  const [a, b] = replicas as [Tasks, Tasks];
  const ask = { method: 'elicitation/create', params: { mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } } };
  const created = await a.start({
    tool: 'interview',
    owner: 'sub:alice',
    run: async (signal, _progress, input) => {
      const first = await input({ name: ask, other: ask }, signal);
      return { content: [{ type: 'text', text: `${JSON.stringify(first)}` }] };
    },
  });
  let view = await b.get(created.taskId, 'sub:alice');
  for (let i = 0; i < 100 && view.status !== 'input_required'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    view = await b.get(created.taskId, 'sub:alice');
  }
  expect(view.status).toBe('input_required');
  expect(Object.keys(view.inputRequests as object).sort()).toEqual(['name', 'other']);
  // A partial answer keeps it waiting (only the rest is still asked); another owner is refused.
  await b.update(created.taskId, 'sub:alice', { name: { action: 'accept', content: { name: 'Ada' } }, stray: { action: 'accept' } });
  await expect(b.update(created.taskId, 'sub:bob', { other: { action: 'decline' } })).rejects.toMatchObject({ code: -32602 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  view = await a.get(created.taskId, 'sub:alice');
  expect(view.status).toBe('input_required');
  expect(Object.keys(view.inputRequests as object)).toEqual(['other']);
  await b.update(created.taskId, 'sub:alice', { other: { action: 'decline' } });
  for (let i = 0; i < 100 && view.status !== 'completed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    view = await b.get(created.taskId, 'sub:alice');
  }
  expect(view.status).toBe('completed');
  expect(JSON.parse((view.result as { content: Array<{ text: string }> }).content[0]!.text)).toEqual({ name: { action: 'accept', content: { name: 'Ada' } }, other: { action: 'decline' } });
});

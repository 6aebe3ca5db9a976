/**
 * Tasks across replicas, with real services only: a real nginx (the generated deploy/nginx.conf) in
 * front of two replicas (test/fixtures/tasks/server.mjs: the built runtime's runServer) on one fresh
 * PostgreSQL database and the shared Redis (a key prefix of its own). The clients are the official
 * SDK client (2026-07-28) with the extension's requester session.
 *
 * - a 20-second tool runs as a task through nginx; both replicas answer tasks/get for it, another
 *   caller gets not-found, and it completes with its result;
 * - a task started on replica A is cancelled through replica B (Redis pub/sub reaches A's ctx.signal);
 * - replica A is killed (SIGKILL) mid-task: B reports the task failed with a reason once A's lease
 *   lapses, and resumes the idempotent one, which completes on B.
 */
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { JsonRpcResponseError, resultFromTaskOutcome, type TaskEnabledSession } from '@modelcontextprotocol/ext-tasks/client';
import type { TaskId } from '@modelcontextprotocol/ext-tasks/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freshPostgresDatabase, REDIS_TEST_URL } from '../../runtime/src/__fixtures__/services.js';
import { httpDispatch, taskSession } from '../../runtime/src/__fixtures__/task-client.js';
import { servicesFor } from '../helpers/services.js';
import { ownNginx, type OwnNginx } from './lib/own-nginx.js';
import { startServer, type ServerProcess } from './lib/server.js';

const ready = await servicesFor('the tasks-across-replicas test', ['postgres', 'redis', 'nginx']);
const SERVER = fileURLToPath(new URL('../fixtures/tasks/server.mjs', import.meta.url));
const LEASE_MS = 1500;
const METRICS_TOKEN = 'tasks-test-metrics-credential';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe.skipIf(!ready)('tasks across two replicas behind nginx (PostgreSQL + Redis)', () => {
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let nginx: OwnNginx;
  const replicas: ServerProcess[] = [];
  const urls: string[] = [];
  const opened: Array<{ client: Client; session: TaskEnabledSession }> = [];

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    const env = {
      PATH: process.env.PATH!,
      DATABASE_URL: db.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_KEY_PREFIX: `mcpforge:h-tasks:${db.name}:`,
      TASKS_FIXTURE_AUTH: 'bearer',
      MCP_TASK_LEASE_MS: String(LEASE_MS),
      MCP_METRICS_TOKEN: METRICS_TOKEN,
      MCP_TASK_POLL_INTERVAL_MS: '200',
      MCP_SHUTDOWN_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
    };
    // One after the other: the first applies the migrations (the runtime's task table included).
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      replicas.push(await startServer(['node', SERVER, '--transport', 'http', '--port', String(port)], process.cwd(), env));
      urls.push(`http://127.0.0.1:${port}/mcp`);
    }
    nginx = await ownNginx('tasks-fixture', urls.map((u) => new URL(u).host));
  }, 60_000);

  afterAll(async () => {
    for (const { session, client } of opened) await session.close().catch(() => {}), await client.close().catch(() => {});
    await Promise.allSettled(replicas.map((r) => r.stop(3_000)));
    await nginx?.stop().catch(() => {});
    await db?.drop().catch(() => {});
  });

  async function connect(url: string, subject: string): Promise<TaskEnabledSession> {
    const headers = { authorization: `Bearer ${subject}` };
    const client = new Client({ name: `tasks-${subject}`, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    const session = taskSession(client, httpDispatch(url, headers), `${url}#${subject}`);
    opened.push({ client, session });
    return session;
  }
  const statusOn = async (url: string, subject: string, taskId: TaskId) => (await (await connect(url, subject)).task(taskId).snapshot());
  async function waitFor(url: string, subject: string, taskId: TaskId, done: (status: string) => boolean, timeoutMs: number) {
    const session = await connect(url, subject);
    const until = Date.now() + timeoutMs;
    for (;;) {
      const view = await session.task(taskId).snapshot();
      if (done(view.status) || Date.now() > until) return view;
      await sleep(200);
    }
  }
  const metric = async (url: string, name: string) => {
    const res = await fetch(url.replace(/\/mcp$/, '/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await res.text();
    expect(res.status).toBe(200);
    return Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  };

  it('runs a 20 s tool as a task through nginx, polled on both replicas, cancelled across replicas, and failed with a reason when its replica is killed', async () => {
    const [a, b] = urls as [string, string];
    // 1. Through nginx: a 20-second task; both replicas see it; another caller does not.
    const viaNginx = await connect(nginx.url.href, 'alice');
    const long = await viaNginx.callTool('slow_report', { ms: 20_000, label: 'twenty-seconds' });
    expect(long.kind).toBe('task');
    const longId = long.handle!.taskId;
    for (const url of [a, b]) expect((await statusOn(url, 'alice', longId)).status).toBe('working');
    const stranger = await statusOn(b, 'mallory', longId).catch((error: unknown) => error);
    expect(stranger).toBeInstanceOf(JsonRpcResponseError);
    expect((stranger as JsonRpcResponseError).code).toBe(-32602);

    // 2. Started on A, cancelled through B: A's handler is aborted and the task ends cancelled.
    const onA = await (await connect(a, 'alice')).callTool('slow_report', { ms: 60_000, label: 'to-cancel' });
    const cancelId = onA.handle!.taskId;
    await sleep(300);
    expect(await metric(a, 'mcp_tasks_active{tool="slow_report"}')).toBeGreaterThanOrEqual(1);
    await (await connect(b, 'alice')).cancelTask(cancelId);
    const cancelled = await waitFor(b, 'alice', cancelId, (s) => s !== 'working', 10_000);
    expect(cancelled.status).toBe('cancelled');
    expect(await metric(a, 'mcp_tasks_total{tool="slow_report",status="cancelled"}')).toBe(1);

    // 3. The 20-second task completes with its result, read through nginx and on either replica.
    const { outcome } = await long.settle();
    expect(outcome.status).toBe('completed');
    expect(textOf(resultFromTaskOutcome(outcome))).toMatch(/^twenty-seconds done in 20000 ms for alice/);
    for (const url of [a, b]) expect((await statusOn(url, 'alice', longId)).status).toBe('completed');

    // 4. A replica killed mid-task: the plain task fails with a reason; the idempotent one resumes on B.
    const sessionA = await connect(a, 'alice');
    const doomed = await sessionA.callTool('slow_report', { ms: 60_000, label: 'doomed' });
    const resumable = await sessionA.callTool('rebuild_index', { ms: 2_000, label: 'index' });
    await sleep(300);
    replicas[0]!.child.kill('SIGKILL');
    const failed = await waitFor(b, 'alice', doomed.handle!.taskId, (s) => s !== 'working', LEASE_MS * 6);
    expect(failed.status).toBe('failed');
    expect(failed.statusMessage).toMatch(/replica running this task stopped/);
    expect((failed.raw as { error?: { code?: number } }).error?.code).toBe(-32603);
    const resumed = await waitFor(b, 'alice', resumable.handle!.taskId, (s) => s !== 'working', LEASE_MS * 6 + 5_000);
    expect(resumed.status).toBe('completed');
    expect(JSON.stringify(resumed.raw)).toContain(`pid ${replicas[1]!.child.pid}`);
  }, 90_000);
});

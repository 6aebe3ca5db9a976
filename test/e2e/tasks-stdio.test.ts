/**
 * Tasks over real stdio: the official SDK client (2026-07-28) spawns the task fixture server
 * (test/fixtures/tasks/server.mjs, the built runtime on SQLite) and runs, polls and cancels tasks
 * with the extension's requester session on the same pipe.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { resultFromTaskOutcome } from '@modelcontextprotocol/ext-tasks/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { taskSession, transportDispatch } from '../../runtime/src/__fixtures__/task-client.js';

const SERVER = fileURLToPath(new URL('../fixtures/tasks/server.mjs', import.meta.url));
let client: Client;
let session: ReturnType<typeof taskSession>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-tasks-stdio-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER],
    env: { PATH: process.env.PATH!, DATABASE_URL: `sqlite:${join(dir, 'tasks.db')}`, TASKS_FIXTURE_ROOT: dir, LOG_LEVEL: 'warn' },
    stderr: 'pipe',
  });
  client = new Client({ name: 'tasks-stdio', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(transport);
  session = taskSession(client, transportDispatch(transport), 'stdio');
}, 30_000);
afterAll(async () => {
  await session?.close();
  await client?.close();
});

it('runs a tool as a task over stdio: handle, polling, result; and cancels another one', async () => {
  expect(client.getServerCapabilities()?.extensions?.['io.modelcontextprotocol/tasks']).toEqual({});
  const execution = await session.callTool('slow_report', { ms: 500, label: 'stdio' });
  expect(execution.kind).toBe('task');
  expect((await session.task(execution.handle!.taskId).snapshot()).status).toBe('working');
  const { outcome } = await execution.settle();
  expect(outcome.status).toBe('completed');
  expect((resultFromTaskOutcome(outcome) as { content: Array<{ text: string }> }).content[0]!.text).toMatch(/^stdio done in 500 ms for /);

  const long = await session.callTool('slow_report', { ms: 60_000, label: 'cancel-me' });
  const taskId = long.handle!.taskId;
  await session.cancelTask(taskId);
  let status = 'working';
  for (let i = 0; i < 100 && status === 'working'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = (await session.task(taskId).snapshot()).status;
  }
  expect(status).toBe('cancelled');
});

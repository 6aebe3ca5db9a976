/**
 * `subscriptions/listen` over HTTP (2026-07-28) with the official SDK client, fast path on and off:
 * resource updates for URIs the caller may read, task status notifications (`notifications/tasks`)
 * for the caller's own tasks through to completion, nothing for a task another caller owns, and a
 * graceful close of open streams when the server shuts down.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, tokenTable, type Pipeline } from '../__fixtures__/pipeline.js';
import { httpDispatch, taskSession } from '../__fixtures__/task-client.js';
import { createLogger, createMetrics } from '../observability/index.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import type { Manifest, ServerModules } from '../server/contract.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { compileValidator } from '../validation/index.js';
import type { Authenticator } from '../auth/types.js';
import { startHttpServer, type HttpServerHandle } from './http.js';

type Note = { method: string; params?: Record<string, unknown> };

async function connect(url: string, token: string): Promise<{ client: Client; notes: Note[] }> {
  const notes: Note[] = [];
  const client = new Client({ name: 'listen-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  client.fallbackNotificationHandler = async (n) => void notes.push(n as Note);
  client.setNotificationHandler('notifications/resources/updated', (n) => void notes.push(n as Note));
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return { client, notes };
}

/** The `notifications` of the acknowledgement a raw listen request gets (the stream is then dropped). */
async function rawAck(url: string, subject: string, notifications: Record<string, unknown>): Promise<unknown> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen', authorization: `Bearer ${subject}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'raw-listen', method: 'subscriptions/listen', params: { notifications, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  const ack = JSON.parse(text.split('\n').find((line) => line.startsWith('data:'))!.slice(5)) as { method: string; params: { notifications: unknown } };
  expect(ack.method).toBe('notifications/subscriptions/acknowledged');
  return ack.params.notifications;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each([true, false])('subscriptions/listen: resources (fast path %s)', (fastPath) => {
  let p: Pipeline;
  let tokens: ReturnType<typeof tokenTable>['tokens'];
  beforeAll(async () => {
    const table = tokenTable({ 'tok-alice': { subject: 'alice', scopes: ['vault:read'] }, 'tok-bob': { subject: 'bob', scopes: [] }, 'tok-dave': { subject: 'dave', scopes: ['vault:read'] }, 'tok-carol': { subject: 'carol', scopes: [] } });
    tokens = table.tokens;
    p = await startPipeline({ authenticate: table.authenticate, fastPath });
  });
  afterAll(async () => p?.close());

  it('a resource the caller may read: acknowledged and its updates delivered on the stream', async () => {
    const { client, notes } = await connect(p.http.url, 'tok-alice');
    expect(client.getNegotiatedProtocolVersion?.() ?? '2026-07-28').toBe('2026-07-28');
    const sub = await client.listen({ resourceSubscriptions: ['vault://k1'] });
    expect(sub.honoredFilter).toEqual({ resourceSubscriptions: ['vault://k1'] });
    await client.callTool({ name: 'touch', arguments: { uri: 'vault://other' } });
    await client.callTool({ name: 'touch', arguments: { uri: 'vault://k1' } });
    await until(() => notes.some((n) => n.method === 'notifications/resources/updated'));
    const updates = notes.filter((n) => n.method === 'notifications/resources/updated');
    expect(updates.map((n) => n.params?.uri)).toEqual(['vault://k1']);
    expect((updates[0]!.params?._meta as Record<string, unknown>)['io.modelcontextprotocol/subscriptionId']).toBeDefined();
    await sub.close();
    expect(await sub.closed).toBe('local');
    // The stream's interest ends with it.
    await until(() => p.factory.subscriptions!.count('vault://k1') === 0);
    await client.close();
  });

  it('a resource the caller may not read is left out of the honored filter and never heard', async () => {
    const bob = await connect(p.http.url, 'tok-bob');
    const sub = await bob.client.listen({ resourceSubscriptions: ['vault://k2'] });
    expect(sub.honoredFilter).toEqual({});
    // Nothing honored: the server ends the subscription at once.
    expect(await sub.closed).toBe('graceful');
    expect(p.factory.subscriptions!.count('vault://k2')).toBe(0);
    await bob.client.close();
  });

  it('a revoked credential ends the stream before the next notification', async () => {
    const dave = await connect(p.http.url, 'tok-dave');
    const carol = await connect(p.http.url, 'tok-carol');
    const sub = await dave.client.listen({ resourceSubscriptions: ['vault://k4'] });
    tokens.get('tok-dave')!.revoked = true;
    await carol.client.callTool({ name: 'touch', arguments: { uri: 'vault://k4' } });
    expect(await sub.closed).toBe('remote');
    expect(dave.notes.filter((n) => n.method === 'notifications/resources/updated')).toEqual([]);
    await until(() => p.factory.subscriptions!.count('vault://k4') === 0);
    await dave.client.close().catch(() => {});
    await carol.client.close();
  });

  it('shutdown ends open listen streams gracefully and the drain does not wait for them', async () => {
    const { authenticate } = tokenTable({ 'tok-alice': { subject: 'alice', scopes: ['vault:read'] } });
    const q = await startPipeline({ authenticate, fastPath });
    const { client } = await connect(q.http.url, 'tok-alice');
    const sub = await client.listen({ resourceSubscriptions: ['vault://k3'] });
    const started = Date.now();
    const { drained } = await q.http.close(5000);
    expect(drained).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await sub.closed).toBe('graceful');
    await client.close();
    await q.storage.close();
  });
});

describe('subscriptions/listen with MCP_HTTP_SESSIONS=stateful', () => {
  it('a 2026-07-28 client still listens (sessions are for 2025 clients only)', async () => {
    const { authenticate } = tokenTable({ 'tok-alice': { subject: 'alice', scopes: ['vault:read'] } });
    const q = await startPipeline({ authenticate, sessions: true });
    try {
      const { client, notes } = await connect(q.http.url, 'tok-alice');
      const sub = await client.listen({ resourceSubscriptions: ['vault://s1'] });
      expect(sub.honoredFilter).toEqual({ resourceSubscriptions: ['vault://s1'] });
      await client.callTool({ name: 'touch', arguments: { uri: 'vault://s1' } });
      await until(() => notes.some((n) => n.method === 'notifications/resources/updated' && n.params?.uri === 'vault://s1'));
      await sub.close();
      await client.close();
    } finally {
      await q.close();
    }
  });
});

const input = { type: 'object', properties: { ms: { type: 'integer', minimum: 0 } }, required: ['ms'], additionalProperties: false } as const;
const taskManifest: Manifest = {
  name: 'listen-tasks',
  version: '1.0.0',
  layout: 'dev',
  transports: ['http'],
  tools: { slow: { name: 'slow', description: 'slow', inputSchema: input as never, task: 'optional' } },
  resources: {},
  prompts: {},
} as Manifest;
const taskModules: ServerModules = {
  tools: {
    slow: {
      handler: async () => ({
        default: {
          kind: 'tool',
          name: 'slow',
          handler: async (args: { ms: number }, ctx: { progress(p: number, t?: number, m?: string): Promise<void> }) => {
            await new Promise((resolve) => setTimeout(resolve, args.ms / 2));
            await ctx.progress(1, 2, 'halfway');
            await new Promise((resolve) => setTimeout(resolve, args.ms / 2));
            return 'slow done';
          },
        } as never,
      }),
      validateInput: async () => ({ default: compileValidator(input as never) }),
    },
  },
  resources: {},
  prompts: {},
};
const bearer: Authenticator = async (req) => {
  const subject = /^Bearer ([a-z]+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  return subject ? { ok: true, identity: { subject, scopes: [], anonymous: false, method: 'test' } } : { ok: false, rejection: { status: 401, description: 'Bearer <name>', presented: req.headers.authorization !== undefined } };
};

describe('subscriptions/listen: tasks', () => {
  let storage: Storage;
  let factory: ServerFactory;
  const servers: Record<'fast' | 'sdk' | 'other', HttpServerHandle | undefined> = { fast: undefined, sdk: undefined, other: undefined };
  /** A second replica on the same database: it runs no task of the first, it only reads their rows. */
  let otherFactory: ServerFactory;
  beforeAll(async () => {
    storage = await createDatabase('sqlite::memory:');
    await storage.migrate(mkdtempSync(join(tmpdir(), 'mcpforge-listen-')));
    factory = await createServerFactory({ manifest: taskManifest, modules: taskModules, deps: { db: storage.db, logger: createLogger({ level: 'silent' }), metrics: createMetrics() }, tasks: { pollIntervalMs: 100 } });
    servers.fast = await startHttpServer(factory, { port: 0, authenticate: bearer, listen: { taskPollMs: 50 } });
    servers.sdk = await startHttpServer(factory, { port: 0, authenticate: bearer, fastPath: false, listen: { taskPollMs: 50 } });
    otherFactory = await createServerFactory({ manifest: taskManifest, modules: taskModules, deps: { db: storage.db, logger: createLogger({ level: 'silent' }), metrics: createMetrics() }, tasks: { pollIntervalMs: 100, replicaId: 'replica-b' } });
    servers.other = await startHttpServer(otherFactory, { port: 0, authenticate: bearer, listen: { taskPollMs: 50 } });
  });
  afterAll(async () => {
    for (const http of Object.values(servers)) await http?.close(1000);
    await factory?.close();
    await otherFactory?.close();
    await storage?.close();
  });

  it('a listen stream on another replica hears a task this one runs (the task rows are polled)', async () => {
    const runner = servers.fast!.url;
    const alice = await connect(runner, 'alice');
    const session = taskSession(alice.client, httpDispatch(runner, { authorization: 'Bearer alice' }), `${runner}#alice-b`);
    const execution = await session.callTool('slow', { ms: 300 });
    const taskId = execution.handle!.taskId;
    const elsewhere = await connect(servers.other!.url, 'alice');
    const sub = await elsewhere.client.listen({ taskIds: [taskId] } as never);
    await until(() => elsewhere.notes.some((n) => n.method === 'notifications/tasks' && n.params?.status === 'completed'));
    expect(otherFactory.tasks!.running).toBe(0);
    await sub.close();
    await session.close();
    await alice.client.close();
    await elsewhere.client.close();
  });

  it.each(['fast', 'sdk'] as const)('the owner hears its task go to completed; another caller is not told about it (%s)', async (kind) => {
    const url = servers[kind]!.url;
    const alice = await connect(url, 'alice');
    const session = taskSession(alice.client, httpDispatch(url, { authorization: 'Bearer alice' }), `${url}#alice`);
    const execution = await session.callTool('slow', { ms: 400 });
    expect(execution.kind).toBe('task');
    const taskId = execution.handle!.taskId;

    // The SDK client's ack schema drops `taskIds` from `honoredFilter` (it knows only the core
    // filter): the acknowledged filter is read off the wire here.
    expect(await rawAck(url, 'alice', { taskIds: [taskId, 'no-such-task'] })).toEqual({ taskIds: [taskId] });
    expect(await rawAck(url, 'bob', { taskIds: [taskId] })).toEqual({});
    const sub = await alice.client.listen({ taskIds: [taskId] } as never);
    const bob = await connect(url, 'bob');
    const bobSub = await bob.client.listen({ taskIds: [taskId] } as never);
    expect(await bobSub.closed).toBe('graceful');

    await until(() => alice.notes.some((n) => n.method === 'notifications/tasks' && n.params?.status === 'completed'));
    const statuses = alice.notes.filter((n) => n.method === 'notifications/tasks').map((n) => n.params);
    expect(statuses.every((s) => s?.taskId === taskId)).toBe(true);
    expect(statuses[0]?.status).toBe('working');
    expect(statuses.some((s) => s?.statusMessage !== undefined && String(s.statusMessage).includes('halfway'))).toBe(true);
    const completed = statuses.find((s) => s?.status === 'completed')!;
    expect(JSON.stringify(completed.result)).toContain('slow done');
    expect(bob.notes.filter((n) => n.method === 'notifications/tasks')).toEqual([]);

    await sub.close();
    await session.close();
    await alice.client.close();
    await bob.client.close();
  });
});

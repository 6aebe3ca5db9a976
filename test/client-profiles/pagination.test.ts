/**
 * Paged results end to end (spec `tools.<name>.pagination`): a real server process (`runServer` of
 * the built runtime) and the official SDK client over stdio, HTTP 2026-07-28 (fast path) and HTTP
 * 2025 (SDK path). A tool whose result is over its output budget answers with the first items that
 * fit and a cursor; the model follows the cursors and gets every item exactly once, each page
 * valid against the output schema (the SDK client checks it), the handler running once per page of
 * its own (the runtime serves the pages it holds) and the tool's own cursor taking over at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { writeManifestServer } from './manifest-server.js';

const outputSchema = {
  type: 'object',
  properties: {
    source: { type: 'string' },
    items: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id', 'name'] } },
    nextCursor: { type: ['string', 'null'] },
  },
  required: ['source', 'items', 'nextCursor'],
  additionalProperties: false,
};
const manifest = {
  name: 'pages',
  version: '0.1.0',
  layout: 'dev',
  transports: ['stdio', 'http'],
  tools: {
    records: {
      name: 'records',
      description: 'Lists records, 300 per page of its own',
      inputSchema: { type: 'object', properties: { cursor: { type: 'string' }, prefix: { type: 'string' } }, additionalProperties: false },
      outputSchema,
      maxOutputTokens: 1000,
      pagination: { cursor: 'cursor', items: '/items', nextCursor: '/nextCursor' },
    },
    handler_calls: { name: 'handler_calls', description: 'How often records ran', inputSchema: { type: 'object' } },
  },
  resources: {},
  prompts: {},
};
// The tool's own pages: 300 records, then (with its cursor "own-2") 100 more and no further cursor.
const TOTAL = 400;

const root = mkdtempSync(join(tmpdir(), 'mcpforge-pagination-'));
const entry = join(root, 'server.mjs');

beforeAll(() => {
  writeManifestServer(root, manifest, {
    setup: [
        'let calls = 0;',
        'const record = (i, prefix) => ({ id: i, name: `${prefix ?? "record"} number ${i} with a name long enough to matter` });',
        'const handlers = {',
        '  records: (input) => {',
        '    calls++;',
        "    if (input.cursor === 'own-2') return { source: 'upstream', items: Array.from({ length: 100 }, (_, i) => record(300 + i, input.prefix)), nextCursor: null };",
        "    if (input.cursor !== undefined) throw new Error('unexpected cursor ' + input.cursor);",
        "    return { source: 'upstream', items: Array.from({ length: 300 }, (_, i) => record(i, input.prefix)), nextCursor: 'own-2' };",
        '  },',
        '  handler_calls: () => String(calls),',
        '};',
        "const authenticator = process.env.TEST_AUTH === 'header' ? async (req) => (typeof req.headers['x-user'] === 'string' ? { ok: true, identity: { subject: req.headers['x-user'], scopes: [], anonymous: false, method: 'custom' } } : { ok: false, rejection: { status: 401, description: 'no x-user', presented: false } }) : undefined;",
    ],
    handler: 'handlers[k]',
    validateOutput: true,
    runOptions: '...(authenticator ? { authenticator } : {})',
  });
});

const env = (extra: Record<string, string> = {}) => ({ ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, DATABASE_URL: `sqlite:${join(root, `db-${Math.random().toString(36).slice(2)}.db`)}`, LOG_LEVEL: 'warn', ...extra });

type Block = { type: string; text?: string };
type Page = { source: string; items: Array<{ id: number; name: string }>; nextCursor: string | null };
const tokens = (result: { content: unknown }) => Math.ceil((result.content as Block[]).reduce((n, b) => n + (b.text?.length ?? 0), 0) / 4);

/** Follows every cursor as a model would; returns the ids in the order received and the page count. */
async function pageThrough(client: Client): Promise<void> {
  const ids: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let runtimeCursors = 0;
  for (;;) {
    const result = await client.callTool({ name: 'records', arguments: { prefix: 'rec', ...(cursor === undefined ? {} : { cursor }) } });
    expect(result.isError ?? false).toBe(false);
    pages++;
    const page = result.structuredContent as Page;
    const [note, json] = result.content as Block[];
    expect(note!.text).toMatch(/^\[Page of records's result: items \d+ to \d+ of \d+ at \/items/);
    expect(JSON.parse(json!.text!)).toEqual(page);
    expect(tokens(result)).toBeLessThanOrEqual(1000);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.source).toBe('upstream');
    ids.push(...page.items.map((item) => item.id));
    if (page.nextCursor === null) break;
    if (page.nextCursor.startsWith('mcpforge-page:')) {
      runtimeCursors++;
      expect(note!.text).toContain(`call records again with the same arguments and "cursor": "${page.nextCursor}"`);
    } else expect(note!.text).toContain("the tool's own next cursor is at /nextCursor");
    cursor = page.nextCursor;
    expect(pages).toBeLessThan(100);
  }
  expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
  expect(runtimeCursors).toBeGreaterThan(2);
  // Two pages of the tool's own; every other page came from the stored result.
  const calls = await client.callTool({ name: 'handler_calls', arguments: {} });
  expect((calls.content as Block[])[0]!.text).toBe('2');
  // A cursor that was never handed out is an error the model can act on, not a crash.
  const bad = await client.callTool({ name: 'records', arguments: { cursor: 'mcpforge-page:00000000-0000-4000-8000-000000000000:5' } });
  expect(bad.isError).toBe(true);
  expect((bad.content as Block[])[0]!.text).toContain('call records again without it to start over');
}

describe('stdio', () => {
  it('the model pages through a large result and gets every item exactly once', async () => {
    const client = new Client({ name: 'some-client', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [entry], env: env(), stderr: 'pipe' }));
    try {
      await pageThrough(client);
    } finally {
      await client.close();
    }
  });
});

function startHttp(extra: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [entry, '--transport', 'http', '--port', '0'], { env: env(extra), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m.exec(stderr);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', () => reject(new Error(`server exited:\n${stderr}`)));
  });
}

describe.each([
  ['HTTP 2026-07-28 stateless (fast path)', 'auto' as const],
  ['HTTP 2025 stateless (SDK path)', 'legacy' as const],
])('%s', (_label, mode) => {
  let server: { child: ChildProcess; url: string };
  beforeAll(async () => {
    server = await startHttp();
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });
  it('the model pages through a large result and gets every item exactly once', async () => {
    const client = new Client({ name: 'some-client', version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      await pageThrough(client);
    } finally {
      await client.close();
    }
  });
});

describe('pages are read only by their caller', () => {
  it('over HTTP 2026-07-28 with two authenticated callers', async () => {
    const server = await startHttp({ TEST_AUTH: 'header' });
    const as = async (user: string) => {
      const client = new Client({ name: 'some-client', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { 'x-user': user } } }));
      return client;
    };
    try {
      const alice = await as('alice');
      const bob = await as('bob');
      const first = (await alice.callTool({ name: 'records', arguments: {} })).structuredContent as Page;
      expect(first.nextCursor).toMatch(/^mcpforge-page:/);
      const stolen = await bob.callTool({ name: 'records', arguments: { cursor: first.nextCursor! } });
      expect(stolen.isError).toBe(true);
      const next = (await alice.callTool({ name: 'records', arguments: { cursor: first.nextCursor! } })).structuredContent as Page;
      expect(next.items[0]!.id).toBe(first.items.length);
      await alice.close();
      await bob.close();
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

/**
 * Output budgets end to end: a real server process (`runServer` of the built runtime) and the
 * official SDK client over stdio, HTTP 2026-07-28 (fast path), HTTP 2025 stateful sessions and
 * WebSocket. A text result, a structured result (trimmed and still valid for its output schema, as
 * the client checks) and a structured result that cannot be trimmed validly are each cut to the
 * budget with a note and a resource_link; the client reads the whole through resources/read.
 * Claude clients get their 25,000-token cap without any configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { WebSocketClientTransport } from '../../runtime/src/transports/index.js';
import { writeManifestServer } from './manifest-server.js';

// $schema and a $ref: what a VS Code client is shown has neither (output schemas shaped per profile).
const listSchema = (minItems?: number) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { item: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id', 'name'] } },
  properties: { total: { type: 'integer' }, items: { type: 'array', ...(minItems ? { minItems } : {}), items: { $ref: '#/$defs/item' } } },
  required: ['total', 'items'],
});
const manifest = {
  name: 'budgets',
  version: '0.1.0',
  layout: 'dev',
  transports: ['stdio', 'http', 'websocket'],
  tools: {
    logs: { name: 'logs', description: 'Prints many log lines', inputSchema: { type: 'object', properties: { lines: { type: 'integer' } } } },
    list: { name: 'list', description: 'Lists many items', inputSchema: { type: 'object' }, outputSchema: listSchema() },
    all_or_nothing: { name: 'all_or_nothing', description: 'Lists items that only make sense together', inputSchema: { type: 'object' }, outputSchema: listSchema(2000) },
    huge: { name: 'huge', description: 'Has its own small budget', inputSchema: { type: 'object' }, maxOutputTokens: 500 },
  },
  resources: {},
  prompts: {},
};

const root = mkdtempSync(join(tmpdir(), 'mcpforge-budgets-'));
const entry = join(root, 'server.mjs');
const LINES = 20_000;

beforeAll(() => {
  writeManifestServer(root, manifest, {
    setup: [
      'const items = Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `item number ${i} with a longer name` }));',
      'const handlers = {',
      "  logs: (input) => Array.from({ length: input.lines ?? 10 }, (_, i) => `line ${i}: something happened`).join('\\n'),",
      '  list: () => ({ total: items.length, items }),',
      '  all_or_nothing: () => ({ total: items.length, items }),',
      "  huge: () => 'z'.repeat(10000),",
      '};',
      // TEST_AUTH=header: the caller is the x-user header (a custom authenticator), to check owner binding.
      "const authenticator = process.env.TEST_AUTH === 'header' ? async (req) => (typeof req.headers['x-user'] === 'string' ? { ok: true, identity: { subject: req.headers['x-user'], scopes: [], anonymous: false, method: 'custom' } } : { ok: false, rejection: { status: 401, description: 'no x-user', presented: false } }) : undefined;",
    ],
    handler: 'handlers[k]',
    validateOutput: true,
    runOptions: '...(authenticator ? { authenticator } : {})',
  });
});

const env = (extra: Record<string, string> = {}) => ({ ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, DATABASE_URL: `sqlite:${join(root, `db-${Math.random().toString(36).slice(2)}.db`)}`, LOG_LEVEL: 'warn', ...extra });

type Block = { type: string; text?: string; uri?: string };
const tokens = (result: { content: unknown; structuredContent?: unknown }) => {
  let chars = 0;
  const blocks = result.content as Block[];
  for (const b of blocks) chars += b.type === 'text' ? b.text!.length : JSON.stringify(b).length;
  const json = JSON.stringify(result.structuredContent);
  if (result.structuredContent !== undefined && !blocks.some((b) => b.text === json)) chars += json.length;
  return Math.ceil(chars / 4);
};

/** Budget 2000 tokens (MCP_MAX_OUTPUT_TOKENS) for a client that is not Claude. */
async function exercise(client: Client): Promise<void> {
  const small = await client.callTool({ name: 'logs', arguments: { lines: 3 } });
  expect((small.content as Block[]).map((b) => b.type)).toEqual(['text']);

  const text = await client.callTool({ name: 'logs', arguments: { lines: LINES } });
  const blocks = text.content as Block[];
  expect(blocks[0]!.text).toMatch(/^\[Output truncated: the result of logs is about \d+ tokens, over the output budget of 2000 tokens; the first \d+ of \d+ characters are shown/);
  expect(blocks[1]!.text!.startsWith('line 0: something happened\nline 1:')).toBe(true);
  expect(blocks.at(-1)!.type).toBe('resource_link');
  expect(tokens(text)).toBeLessThanOrEqual(2000);
  const whole = await client.readResource({ uri: blocks.at(-1)!.uri! });
  const full = (whole.contents[0] as { text: string }).text;
  expect(full.split('\n')).toHaveLength(LINES);

  // Structured: the SDK client validates structuredContent against the output schema; it passes.
  const list = await client.callTool({ name: 'list', arguments: {} });
  expect(list.isError ?? false).toBe(false);
  const structured = list.structuredContent as { total: number; items: unknown[] };
  expect(structured.total).toBe(2000);
  expect(structured.items.length).toBeGreaterThan(10);
  expect(structured.items.length).toBeLessThan(2000);
  const listBlocks = list.content as Block[];
  expect(listBlocks[0]!.text).toContain(`kept ${structured.items.length} of 2000 items of /items`);
  expect(JSON.parse(listBlocks[1]!.text!)).toEqual(structured);
  expect(tokens(list)).toBeLessThanOrEqual(2000);
  const wholeList = JSON.parse(((await client.readResource({ uri: listBlocks.at(-1)!.uri! })).contents[0] as { text: string }).text) as { items: unknown[] };
  expect(wholeList.items).toHaveLength(2000);

  // minItems 2000: no trimmed value is valid; a tool error with the link, never an invalid value.
  const strict = await client.callTool({ name: 'all_or_nothing', arguments: {} });
  expect(strict.isError).toBe(true);
  expect((strict.content as Block[])[0]!.text).toContain('cannot be shortened into a value its output schema accepts');
  const strictWhole = JSON.parse(((await client.readResource({ uri: (strict.content as Block[]).at(-1)!.uri! })).contents[0] as { text: string }).text) as { items: unknown[] };
  expect(strictWhole.items).toHaveLength(2000);

  // A tool's own budget beats the server's.
  const huge = await client.callTool({ name: 'huge', arguments: {} });
  expect((huge.content as Block[])[0]!.text).toContain('over the output budget of 500 tokens');

  // Unknown or foreign ids are not found.
  await expect(client.readResource({ uri: 'mcpforge://results/00000000-0000-4000-8000-000000000000' })).rejects.toThrow(/not found/);
}

describe('stdio', () => {
  it('cuts, notes, links; the whole is read back', async () => {
    const client = new Client({ name: 'some-client', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [entry], env: env({ MCP_MAX_OUTPUT_TOKENS: '2000' }), stderr: 'pipe' }));
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
  });

  it('a Claude client gets the 25,000-token cap without configuration; MCP_MAX_OUTPUT_TOKENS=off lifts it', async () => {
    for (const [extra, cut] of [[{}, true], [{ MCP_MAX_OUTPUT_TOKENS: 'off' }, false]] as const) {
      const client = new Client({ name: 'claude-code', version: '1.0.0' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [entry], env: env(extra), stderr: 'pipe' }));
      try {
        const result = await client.callTool({ name: 'logs', arguments: { lines: 5000 } });
        const first = (result.content as Block[])[0]!.text!;
        if (cut) {
          expect(first).toContain('over the output budget of 25000 tokens for claude clients');
          expect(tokens(result)).toBeLessThanOrEqual(25_000);
        } else expect(first.split('\n')).toHaveLength(5000);
      } finally {
        await client.close();
      }
    }
  });
});

describe('output schemas shaped per profile', () => {
  it('a VS Code client sees the output schema without $schema and $ref, and its own output validation passes', async () => {
    const client = new Client({ name: 'Visual Studio Code', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [entry], env: env({ MCP_MAX_OUTPUT_TOKENS: '2000' }), stderr: 'pipe' }));
    try {
      const { tools } = await client.listTools();
      const shown = JSON.stringify(tools.find((t) => t.name === 'list')!.outputSchema);
      expect(shown).not.toContain('$ref');
      expect(shown).not.toContain('$schema');
      expect(shown).toContain('"required":["id","name"]');
      const list = await client.callTool({ name: 'list', arguments: {} });
      expect(list.isError ?? false).toBe(false);
      expect((list.structuredContent as { items: unknown[] }).items.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});

function startHttp(extra: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [entry, '--transport', 'http', '--port', '0'], { env: env({ MCP_MAX_OUTPUT_TOKENS: '2000', ...extra }), stdio: ['ignore', 'ignore', 'pipe'] });
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
  ['HTTP 2026-07-28 stateless (fast path)', 'auto' as const, {}, false],
  ['HTTP 2025 stateful sessions', 'legacy' as const, { MCP_HTTP_SESSIONS: 'stateful' }, false],
  ['WebSocket', 'legacy' as const, { MCP_WEBSOCKET: 'on' }, true],
])('%s', (_label, mode, extra, websocket) => {
  let server: { child: ChildProcess; url: string };
  beforeAll(async () => {
    server = await startHttp(extra);
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });
  it('cuts, notes, links; the whole is read back', async () => {
    const client = new Client({ name: 'some-client', version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(
      websocket ? new WebSocketClientTransport(new URL(server.url.replace('http:', 'ws:').replace(/\/mcp$/, '/ws'))) : new StreamableHTTPClientTransport(new URL(server.url)),
    );
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
  });
});

describe('the whole result is readable only by its caller', () => {
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
      const result = await alice.callTool({ name: 'logs', arguments: { lines: LINES } });
      const uri = (result.content as Block[]).at(-1)!.uri!;
      expect(uri).toMatch(/^mcpforge:\/\/results\//);
      await expect(bob.readResource({ uri })).rejects.toThrow(/not found/);
      expect(((await alice.readResource({ uri })).contents[0] as { text: string }).text.split('\n')).toHaveLength(LINES);
      await alice.close();
      await bob.close();
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

/**
 * Serve-time shaping through the SDK client over an in-memory pair: the spec's fixed profile, the
 * operator's override, the per-profile tool cap with its log line, and validation against the full
 * schema whatever the shaped one shows.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { createLogger } from '../observability/index.js';
import { createDatabase } from '../storage/index.js';
import { standaloneValidator } from '../testing/index.js';
import { createDefineTool, type Manifest, type ServerModules } from './contract.js';
import { createServerFactory } from './factory.js';

const defineTool = createDefineTool();
const input = { type: 'object', properties: { title: { type: 'string', minLength: 1 }, count: { enum: [1, 2] } }, required: ['title'] };
// One compiled validator for every tool (they share the schema): compiling is the slow part.
const validate = standaloneValidator(input);

function build(tools: number, clients?: Manifest['clients']): { manifest: Manifest; modules: ServerModules } {
  const names = Array.from({ length: tools }, (_, i) => `tool_${String(i).padStart(2, '0')}`);
  const manifest: Manifest = {
    name: 'shaping',
    version: '0.0.1',
    layout: 'dev',
    transports: ['stdio'],
    tools: Object.fromEntries(names.map((name) => [name, { name, description: `Tool ${name}`, inputSchema: input }])),
    resources: {},
    prompts: {},
    ...(clients ? { clients } : {}),
  };
  const modules: ServerModules = {
    tools: Object.fromEntries(
      names.map((name) => [name, { handler: async () => ({ default: defineTool(name as never, (args: unknown) => JSON.stringify(args)) }), validateInput: async () => ({ default: validate }) }]),
    ),
    resources: {},
    prompts: {},
  };
  return { manifest, modules };
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

async function connect(clientName: string, tools: number, options: { clients?: Manifest['clients']; clientProfile?: 'auto' | 'gemini' } = {}) {
  const storage = await createDatabase('sqlite::memory:');
  cleanup.push(() => storage.close());
  const lines: string[] = [];
  const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }) });
  const { manifest, modules } = build(tools, options.clients);
  const factory = await createServerFactory({ manifest, modules, deps: { db: storage.db, logger }, ...(options.clientProfile ? { clientProfile: options.clientProfile } : {}) });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const server = factory();
  await server.connect(serverTransport);
  const client = new Client({ name: clientName, version: '1.0.0' });
  await client.connect(clientTransport);
  cleanup.push(() => client.close(), () => server.close());
  return { client, lines };
}

const countOf = (tool: { inputSchema: unknown }) => ((tool.inputSchema as { properties: Record<string, { enum?: unknown[] }> }).properties.count!.enum ?? []);

describe('serve-time shaping', () => {
  it("the spec's clients.profile shapes for every client; MCP_CLIENT_PROFILE=auto goes back to detection", async () => {
    const fixed = await connect('some-client', 1, { clients: { profile: 'gemini' } });
    expect(countOf((await fixed.client.listTools()).tools[0]!)).toEqual(['1', '2']);
    const auto = await connect('some-client', 1, { clients: { profile: 'gemini' }, clientProfile: 'auto' });
    expect(countOf((await auto.client.listTools()).tools[0]!)).toEqual([1, 2]);
  });

  it('caps tools/list at the profile limit (Cursor: 40) with one warning line', async () => {
    const { client, lines } = await connect('cursor-vscode', 45);
    expect((await client.listTools()).tools).toHaveLength(40);
    expect((await client.listTools()).tools).toHaveLength(40);
    const warnings = lines.filter((l) => l.includes('tools/list for cursor'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('45 tools but the client takes at most 40');
    const other = await connect('claude-code', 45);
    expect((await other.client.listTools()).tools).toHaveLength(45);
  });

  it('validates against the full schema: a constraint shown only in the description is still enforced', async () => {
    const { client } = await connect('codex-mcp-client', 1);
    const [tool] = (await client.listTools()).tools;
    const title = (tool!.inputSchema as { properties: Record<string, Record<string, unknown>> }).properties.title!;
    expect(title.minLength).toBeUndefined();
    expect(String(title.description)).toContain('minLength: 1');
    const bad = await client.callTool({ name: 'tool_00', arguments: { title: '', count: null } });
    expect(bad.isError).toBe(true);
    expect((bad.content as Array<{ text: string }>)[0]!.text).toContain('/title');
    const ok = await client.callTool({ name: 'tool_00', arguments: { title: 'x', count: null } });
    expect(JSON.parse((ok.content as Array<{ text: string }>)[0]!.text)).toEqual({ title: 'x' });
  });
});

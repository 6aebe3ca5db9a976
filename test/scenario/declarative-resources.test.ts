/**
 * Declarative resources end to end on a generated project: the notes example copied, four
 * resources declared in its mcpforge.yaml (files, sql over its notes table, http, memory) and a tool
 * writing `ctx.memory` (typed by the generated registry), `mcpforge generate`, `tsc`, then the
 * official SDK client over stdio and HTTP lists, reads and subscribes — with no resource handler
 * written for any of them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject, exampleProject, mcpforge } from '../production/lib/project.js';
import { startServer, type ServerProcess } from '../production/lib/server.js';
import { serverEnv } from '../security/lib/servers.js';

type Contents = Array<{ uri: string; mimeType?: string; text?: string }>;
const textOf = (contents: Contents) => contents.map((c) => c.text ?? '').join('');

let dir: string;
let upstream: Server;
let http: ServerProcess;
const clients: Client[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url })));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  dir = await exampleProject('notes');
  mkdirSync(join(dir, 'docs', 'guide'), { recursive: true });
  writeFileSync(join(dir, 'docs', 'guide', 'start.md'), '# Start\n');
  const resources = `  guide:
    description: The project's Markdown guides.
    uri: guide://docs/{+path}
    kind: files
    root: docs
    glob: "**/*.md"
  note_title:
    uri: notes-sql://{id}
    kind: sql
    query: SELECT id, title FROM notes WHERE id = :id
    listQuery: SELECT id, title AS name FROM notes ORDER BY created_at
  upstream_echo:
    uri: echo://{word}
    kind: http
    url: http://${host}/echo/{word}
    allow: ["${host}"]
  scratch:
    uri: scratch://{key}
    kind: memory
    schema: { type: object, properties: { text: { type: string } }, required: [text], additionalProperties: false }
`;
  // The four resources go at the end of resources:, a tool that writes the memory collection at the end of tools:.
  const spec = readFileSync(join(dir, 'mcpforge.yaml'), 'utf8').replace('\nprompts:\n', `\n${resources}prompts:\n`).replace(
    '\nresources:\n',
    `
  jot:
    description: Keeps a text in the scratch memory under a key.
    input: { type: object, properties: { key: { type: string, minLength: 1 }, text: { type: string } }, required: [key, text], additionalProperties: false }
resources:
`,
  );
  writeFileSync(join(dir, 'mcpforge.yaml'), spec);
  const generated = await mcpforge(dir, 'generate');
  expect(generated.exitCode, generated.all).toBe(0);
  // No stub for a declarative resource.
  for (const name of ['guide', 'note_title', 'upstream_echo', 'scratch']) expect(existsSync(join(dir, 'src', 'resources', `${name}.ts`))).toBe(false);
  // ctx.memory.scratch is typed by the registry: `text` must be a string (tsc checks this file).
  writeFileSync(
    join(dir, 'src', 'tools', 'jot.ts'),
    `import { defineTool } from '../generated/registry.js';

export default defineTool('jot', async (input, ctx) => {
  await ctx.memory.scratch.set(input.key, { text: input.text });
  const kept = await ctx.memory.scratch.get(input.key);
  return \`kept \${kept?.text.length ?? 0} characters\`;
});
`,
  );
  await buildProject(dir);
  // `check` agrees: nothing to regenerate, no handler missing for the declarative resources.
  const checked = await mcpforge(dir, 'check');
  expect(checked.exitCode, checked.all).toBe(0);
  http = await startServer(['node', join(dir, 'dist', 'server.js'), '--transport', 'http', '--port', '0'], dir, serverEnv({ MCP_HTTP_SESSIONS: 'stateful', LOG_LEVEL: 'warn' }));
}, 180_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await http?.stop(3_000);
  await new Promise((resolve) => upstream?.close(resolve));
});

describe.each(['stdio', 'HTTP'] as const)('generated project over %s', (transport) => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: `declarative-${transport}`, version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(
      transport === 'stdio'
        ? new StdioClientTransport({ command: process.execPath, args: [join(dir, 'dist', 'server.js'), '--transport', 'stdio'], cwd: dir, env: serverEnv({ LOG_LEVEL: 'warn' }) as Record<string, string>, stderr: 'pipe' })
        : new StreamableHTTPClientTransport(http.url),
    );
    clients.push(client);
  }, 30_000);

  it('lists, reads and subscribes to each kind', async () => {
    const created = await client.callTool({ name: 'create_note', arguments: { title: `from ${transport}` } });
    const id = (created.structuredContent as { id: string }).id;
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['guide://docs/guide/start.md', `notes-sql://${id}`]));
    expect(resources.find((r) => r.uri === `notes-sql://${id}`)?.name).toBe(`from ${transport}`);

    const guide = (await client.readResource({ uri: 'guide://docs/guide/start.md' })).contents as Contents;
    expect(guide).toEqual([{ uri: 'guide://docs/guide/start.md', mimeType: 'text/markdown', text: '# Start\n' }]);
    expect(JSON.parse(textOf((await client.readResource({ uri: `notes-sql://${id}` })).contents as Contents))).toEqual([{ id, title: `from ${transport}` }]);
    expect(JSON.parse(textOf((await client.readResource({ uri: 'echo://a%20b' })).contents as Contents))).toEqual({ path: '/echo/a%20b' });

    const seen: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    await client.subscribeResource({ uri: `scratch://${transport}` });
    expect((await client.callTool({ name: 'jot', arguments: { key: transport, text: 'hello' } })).content).toEqual([{ type: 'text', text: 'kept 5 characters' }]);
    const until = Date.now() + 5_000;
    while (!seen.includes(`scratch://${transport}`) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(seen).toContain(`scratch://${transport}`);
    expect(JSON.parse(textOf((await client.readResource({ uri: `scratch://${transport}` })).contents as Contents))).toEqual({ text: 'hello' });
  });
});

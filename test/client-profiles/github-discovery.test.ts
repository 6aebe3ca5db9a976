/**
 * Progressive discovery on the GitHub REST API import, end to end: the OpenAPI description is
 * imported in memory as `mcpforge import openapi` plans it (as bench/discovery.mjs does), served by
 * `runServer` of the built runtime with MCP_DISCOVERY=progressive (handlers echo their validated
 * arguments: no network), and the official SDK client — as Claude Code — lists the three discovery
 * tools, searches, describes a tool (its schema shaped for Claude) and calls it through call_tool,
 * where the full schema still validates the arguments.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { parseOpenApi, planOpenApiImport } from '../../generators/openapi/index.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { writeManifestServer } from './manifest-server.js';

const require = createRequire(import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'mcpforge-github-discovery-'));
const entry = join(root, 'server.mjs');
let toolCount = 0;

beforeAll(async () => {
  const file = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
  const plan = planOpenApiImport({
    doc: parseOpenApi(file, readFileSync(file, 'utf8')),
    specText: 'name: github\nversion: 0.1.0\ntools: {}\n',
    readProjectFile: () => undefined,
    listProjectFiles: () => [],
    clientSource: readFileSync(path.join(TOOLKIT_ROOT, 'templates/openapi/client.ts'), 'utf8'),
    options: { name: 'github' },
  });
  const base = '/virtual/github';
  const spec = await loadSpec(`${base}/mcpforge.yaml`, { files: new Map([[`${base}/mcpforge.yaml`, plan.specText], ...[...plan.files].map(([f, t]) => [`${base}/${f}`, t] as [string, string])]) });
  toolCount = spec.tools.length;
  const manifest = {
    name: 'github',
    version: '0.1.0',
    layout: 'dev',
    transports: ['stdio'],
    tools: Object.fromEntries(spec.tools.map((t) => [t.name, { name: t.name, ...(t.title ? { title: t.title } : {}), description: t.description, inputSchema: t.input.schema }])),
    resources: {},
    prompts: {},
  };
  writeManifestServer(root, manifest, { handler: '(input) => JSON.stringify({ tool: k, input })' });
}, 300_000);

describe('GitHub import with progressive discovery, official client over stdio', () => {
  it('lists three tools, finds pulls_list, describes it shaped for Claude, calls it through call_tool', async () => {
    expect(toolCount).toBeGreaterThan(1000);
    const client = new Client({ name: 'claude-code', version: '2.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [entry],
        env: { ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn', MCP_DISCOVERY: 'progressive' },
        stderr: 'pipe',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['call_tool', 'describe_tool', 'search_tools']);
      expect(Math.ceil(JSON.stringify({ tools }).length / 4)).toBeLessThanOrEqual(5_000);

      const found = await client.callTool({ name: 'search_tools', arguments: { query: 'list open pull requests of a repository', limit: 5 } });
      const hits = (found.structuredContent as { tools: Array<{ name: string }> }).tools.map((h) => h.name);
      expect(hits).toContain('pulls_list');

      const described = await client.callTool({ name: 'describe_tool', arguments: { name: 'pulls_list' } });
      const schema = JSON.parse((described.content as Array<{ text: string }>)[0]!.text).inputSchema as { type: string; properties: Record<string, { enum?: unknown[] }>; required: string[] };
      expect(schema.type).toBe('object');
      expect(schema.required).toEqual(expect.arrayContaining(['owner', 'repo']));
      expect(schema.properties.state!.enum).toEqual(['open', 'closed', 'all']);

      const called = await client.callTool({ name: 'call_tool', arguments: { name: 'pulls_list', arguments: { owner: 'octocat', repo: 'hello-world', state: 'open' } } });
      expect(called.isError ?? false).toBe(false);
      expect(JSON.parse((called.content as Array<{ text: string }>)[0]!.text)).toEqual({ tool: 'pulls_list', input: { owner: 'octocat', repo: 'hello-world', state: 'open' } });

      // The full schema validates calls through call_tool: a state GitHub does not know is refused.
      const invalid = await client.callTool({ name: 'call_tool', arguments: { name: 'pulls_list', arguments: { owner: 'octocat', repo: 'hello-world', state: 'merged' } } });
      expect(invalid.isError).toBe(true);
      expect((invalid.content as Array<{ text: string }>)[0]!.text).toContain('/state');
    } finally {
      await client.close();
    }
  }, 120_000);
});

/**
 * Choosing the tools a server exposes at start (MCP_TOOLSETS, MCP_TOOLS, with MCP_GROUP), and the
 * discovery checks at start: a real server process (`runServer` of the built runtime) and the
 * official SDK client over stdio and HTTP. Also: search_tools and describe_tool write an audit line
 * like every call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const names = ['repos_get', 'repos_list', 'issues_get', 'issues_list', 'search_code'];
const manifest = (extraTools: string[] = [], discovery?: { mode: 'direct' | 'progressive' }) => ({
  name: 'sets',
  version: '0.1.0',
  layout: 'dev',
  transports: ['stdio', 'http'],
  tools: Object.fromEntries([...names, ...extraTools].map((n) => [n, { name: n, description: `Does ${n.replace('_', ' ')}`, inputSchema: { type: 'object' } }])),
  resources: {},
  prompts: {},
  groups: { issues: { tools: ['issues_get', 'issues_list'] } },
  toolsets: { repos: { tools: ['repos_*'] }, finder: { tools: ['search_code', 'issues_get'] } },
  ...(discovery ? { discovery } : {}),
});

const root = mkdtempSync(join(tmpdir(), 'mcpforge-toolsets-'));
const runtime = (sub: string) => pathToFileURL(join(TOOLKIT_ROOT, 'runtime', 'dist', 'bundle', sub)).href; // what package.json's exports load
const entryFor = (file: string, extraTools: string[] = [], discovery?: { mode: 'direct' | 'progressive' }) => {
  writeFileSync(join(root, `${file}.json`), JSON.stringify(manifest(extraTools, discovery)));
  writeFileSync(
    join(root, `${file}.mjs`),
    [
      "import { readFileSync } from 'node:fs';",
      `import { runServer, createDefineTool } from '${runtime('index.js')}';`,
      `import { standaloneValidator } from '${runtime('testing/index.js')}';`,
      `const manifest = JSON.parse(readFileSync(new URL('./${file}.json', import.meta.url), 'utf8'));`,
      'const defineTool = createDefineTool();',
      'const tools = Object.fromEntries(Object.keys(manifest.tools).map((k) => [k, {',
      '  handler: async () => ({ default: defineTool(k, () => `ran ${k}`) }),',
      '  validateInput: async () => ({ default: standaloneValidator(manifest.tools[k].inputSchema) }),',
      '}]));',
      'await runServer({ manifest, modules: { tools, resources: {}, prompts: {} }, projectRoot: new URL(process.env.PROJECT_ROOT) });',
    ].join('\n'),
  );
  return join(root, `${file}.mjs`);
};
let entry: string;
beforeAll(() => {
  mkdirSync(join(root, 'migrations'));
  entry = entryFor('server');
});
const env = (extra: Record<string, string> = {}) => ({ ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn', ...extra });

async function listed(extra: Record<string, string>, server = entry): Promise<string[]> {
  const client = new Client({ name: 'some-client', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [server], env: env(extra), stderr: 'pipe' }));
  try {
    const { tools } = await client.listTools();
    // What is not listed is not callable either (in progressive discovery every tool stays callable by name).
    if (!tools.some((t) => t.name === 'repos_list' || t.name === 'search_tools')) await expect(client.callTool({ name: 'repos_list', arguments: {} })).rejects.toThrow(/Tool repos_list not found/);
    return tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}

describe('over stdio', () => {
  it('MCP_TOOLSETS and MCP_TOOLS add up; MCP_GROUP narrows them', async () => {
    expect(await listed({})).toEqual([...names].sort());
    expect(await listed({ MCP_TOOLSETS: 'repos' })).toEqual(['repos_get', 'repos_list']);
    expect(await listed({ MCP_TOOLSETS: 'finder', MCP_TOOLS: 'repos_g*' })).toEqual(['issues_get', 'repos_get', 'search_code']);
    expect(await listed({ MCP_GROUP: 'issues', MCP_TOOLSETS: 'finder' })).toEqual(['issues_get']);
  });

  it('unknown names stop the server at start with a clear message', async () => {
    const result = await execa(process.execPath, [entry], { env: env({ MCP_TOOLSETS: 'repo', MCP_TOOLS: 'pulls_*' }), reject: false, input: '' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("MCP_TOOLSETS=repo: unknown toolset; this server's toolsets are repos, finder");
    expect(result.stderr).toContain('MCP_TOOLS=pulls_*: matches no tool');
  });

  it('MCP_DISCOVERY=progressive with a tool named like a discovery tool stops the server at start', async () => {
    const clashing = entryFor('clash', ['call_tool']);
    const result = await execa(process.execPath, [clashing], { env: env({ MCP_DISCOVERY: 'progressive' }), reject: false, input: '' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`tool "call_tool" clashes with progressive discovery's own call_tool`);
  });

  it('search_tools and describe_tool write an audit line each; call_tool the called tool\'s', async () => {
    const client = new Client({ name: 'some-client', version: '1.0.0' });
    const transport = new StdioClientTransport({ command: process.execPath, args: [entry], env: env({ MCP_DISCOVERY: 'progressive', LOG_LEVEL: 'info' }), stderr: 'pipe' });
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await client.connect(transport);
    try {
      await client.callTool({ name: 'search_tools', arguments: { query: 'search code' } });
      await client.callTool({ name: 'describe_tool', arguments: { name: 'nope' } });
      await client.callTool({ name: 'call_tool', arguments: { name: 'repos_get', arguments: {} } });
    } finally {
      await client.close();
    }
    const audit = stderr.split('\n').filter((l) => l.includes('"msg":"audit"')).map((l) => JSON.parse(l) as { tool: string; outcome: string; arguments?: unknown });
    expect(audit.map((a) => [a.tool, a.outcome])).toEqual([
      ['search_tools', 'ok'],
      ['describe_tool', 'invalid'],
      ['repos_get', 'ok'],
    ]);
    expect(audit[0]!.arguments).toEqual({ query: 'search code' });
  });
});

describe('progressive discovery by default above 60 served tools', () => {
  // names has 5 tools: 56 more make 61, 55 more make 60.
  const extra = (n: number) => Array.from({ length: n }, (_, i) => `extra_${i}`);
  const DISCOVERY = ['call_tool', 'describe_tool', 'search_tools'];

  it('61 tools without a discovery mode list search_tools, describe_tool and call_tool; the tools stay callable', async () => {
    const server = entryFor('many61', extra(56));
    expect(await listed({}, server)).toEqual(DISCOVERY);
    const client = new Client({ name: 'some-client', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [server], env: env(), stderr: 'pipe' }));
    try {
      const found = await client.callTool({ name: 'search_tools', arguments: { query: 'extra 42', limit: 50 } });
      expect(JSON.stringify(found.content)).toContain('extra_42');
      const ran = await client.callTool({ name: 'call_tool', arguments: { name: 'extra_42', arguments: {} } });
      expect(ran.content).toEqual([{ type: 'text', text: 'ran extra_42' }]);
    } finally {
      await client.close();
    }
  });

  it('60 tools list every tool', async () => {
    const listedNames = await listed({}, entryFor('many60', extra(55)));
    expect(listedNames).toHaveLength(60);
    expect(listedNames).not.toContain('search_tools');
  });

  it('discovery.mode direct in the spec, or MCP_DISCOVERY=direct, keeps listing every tool', async () => {
    expect(await listed({}, entryFor('many61direct', extra(56), { mode: 'direct' }))).toHaveLength(61);
    expect(await listed({ MCP_DISCOVERY: 'direct' }, entryFor('many61env', extra(56)))).toHaveLength(61);
  });

  it('counts the served tools: MCP_TOOLS narrowing 61 tools to 2 lists those 2', async () => {
    expect(await listed({ MCP_TOOLS: 'repos_*' }, entryFor('many61narrow', extra(56)))).toEqual(['repos_get', 'repos_list']);
  });
});

describe('over HTTP', () => {
  it('MCP_TOOLS serves only the chosen tools', async () => {
    const child: ChildProcess = spawn(process.execPath, [entry, '--transport', 'http', '--port', '0'], { env: env({ MCP_TOOLS: 'issues_*' }), stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /^listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m.exec(stderr);
          if (match) resolve(match[1]!);
        });
        child.once('exit', () => reject(new Error(`server exited:\n${stderr}`)));
      });
      const client = new Client({ name: 'some-client', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['issues_get', 'issues_list']);
      await client.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

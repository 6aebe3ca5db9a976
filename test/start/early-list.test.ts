/**
 * The stdio early answer (runtime/src/start) against the SDK path, byte for byte: for every
 * example project and a manifest of hard schemas, each client profile (detected from clientInfo,
 * and fixed by MCP_CLIENT_PROFILE), the early `tools/list` line equals the line the runtime writes
 * when the same request goes through the SDK. And what the early answer must leave to the SDK
 * (anything off the plain path) is left: it answers undefined there.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runServer, type RunningServer } from '../../runtime/src/server/run.js';
import type { Manifest, ServerModules } from '../../runtime/src/server/contract.js';
import { earlyListingFor } from '../../runtime/src/start/index.js';
import { precomputedListingOf } from '../../runtime/src/start/precomputed.js';
import { emitLargeManifest } from '../../generators/shared/codegen/emit-manifest.js';
import { HARD_SCHEMAS } from '../client-profiles/hard-schemas.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
const META_INFO = 'io.modelcontextprotocol/clientInfo';
const META_CAPS = 'io.modelcontextprotocol/clientCapabilities';

const CLIENTS = [
  { name: 'mcpforge-test', version: '1.0.0' },
  { name: 'claude-code', version: '2.1.0' },
  { name: 'openai-codex', version: '0.9.0', title: 'Codex' },
  { name: 'gemini-cli', version: '0.20.0' },
  { name: 'Visual Studio Code', version: '1.107.0' },
  { name: 'cursor-vscode', version: '2.0.0' },
];

function listLine(id: number | string, clientInfo: object, capabilities: object = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: { [META_VERSION]: '2026-07-28', [META_INFO]: clientInfo, [META_CAPS]: capabilities } } });
}

const roots: string[] = [];
const running: RunningServer[] = [];
afterAll(async () => {
  for (const server of running) await server.shutdown();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A runtime serving stdio on its own streams; `ask` writes one line and resolves with the answer line. */
async function sdkPath(manifest: Manifest, modules: ServerModules, env: Record<string, string>, projectRoot?: string) {
  const root = projectRoot ?? mkdtempSync(join(tmpdir(), 'mcpforge-early-'));
  if (!projectRoot) roots.push(root);
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const server = await runServer({
    manifest,
    modules,
    projectRoot: pathToFileURL(`${root}/`),
    argv: [],
    env: { DATABASE_URL: 'sqlite::memory:', MCP_MIGRATE: projectRoot ? 'auto' : 'skip', LOG_LEVEL: 'silent', ...env },
    manageProcess: false,
    stdio: { stdin, stdout },
  });
  running.push(server);
  let buffered = '';
  const waiting: Array<(line: string) => void> = [];
  stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    ask: (line: string) =>
      new Promise<string>((resolve) => {
        waiting.push(resolve);
        stdin.write(`${line}\n`);
      }),
  };
}

function early(manifest: Manifest, env: Record<string, string>) {
  return earlyListingFor({ manifest, projectRoot: pathToFileURL(`${TOOLKIT_ROOT}/`), argv: [], env: { DATABASE_URL: 'sqlite::memory:', ...env } });
}

const examples = readdirSync(join(TOOLKIT_ROOT, 'examples')).filter((name) => existsSync(join(TOOLKIT_ROOT, 'examples', name, 'src/generated/manifest.ts')));

/** A manifest of the schemas every profile has to work around, with titles, annotations and output schemas. */
function hardManifest(withTasks = false): { manifest: Manifest; modules: ServerModules } {
  const tools: Manifest['tools'] = {};
  const handlers: ServerModules['tools'] = {};
  for (const [index, [name, inputSchema]] of Object.entries(HARD_SCHEMAS).entries()) {
    tools[name] = {
      name,
      ...(index % 2 === 0 ? { title: `Tool "${name}" <b>&</b>` } : {}),
      description: `Hard schema ${name}: \u2028 quotes " and \\ backslashes`,
      inputSchema: inputSchema as Manifest['tools'][string]['inputSchema'],
      ...(index % 3 === 0 ? { outputSchema: { type: 'object', properties: { value: { type: ['string', 'null'] }, items: { type: 'array', items: { type: 'integer' } } }, required: ['value'] } } : {}),
      ...(index % 2 === 1 ? { annotations: { readOnlyHint: true, openWorldHint: false, title: 'annotated' } } : {}),
      ...(withTasks && index < 2 ? { task: index === 0 ? 'optional' : 'required' } : {}),
    };
    // Never loaded: these tests only list.
    handlers[name] = { handler: async () => ({ default: (() => 'unused') as never }), validateInput: async () => ({ default: (() => true) as never }) };
  }
  return { manifest: { name: 'hard', version: '1.2.3', layout: 'dev', transports: ['stdio'], tools, resources: {}, prompts: {} } as unknown as Manifest, modules: { tools: handlers, resources: {}, prompts: {} } };
}

async function load(example: string): Promise<{ manifest: Manifest; modules: ServerModules }> {
  const dir = join(TOOLKIT_ROOT, 'examples', example, 'src/generated');
  const { manifest } = (await import(pathToFileURL(join(dir, 'manifest.ts')).href)) as { manifest: Manifest };
  const { modules } = (await import(pathToFileURL(join(dir, 'handlers.ts')).href)) as { modules: ServerModules };
  return { manifest, modules };
}

/** What `auth.mode: oauth-proxy` needs to start at all (the proxy itself only runs over HTTP). */
const OAUTH_PROXY_ENV = {
  MCP_RESOURCE_URL: 'http://127.0.0.1:9/mcp',
  MCP_OAUTH_UPSTREAM: 'github',
  MCP_OAUTH_UPSTREAM_CLIENT_ID: 'early-list-test',
  MCP_OAUTH_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  MCP_OAUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

describe('stdio early tools/list: the same bytes as the SDK path', () => {
  const projects = [...examples.map((name) => ({ name, get: () => load(name) })), { name: 'hard schemas', get: async () => hardManifest() }, { name: 'task tools', get: async () => hardManifest(true) }];
  for (const project of projects) {
    for (const profileEnv of [{} as Record<string, string>, { MCP_CLIENT_PROFILE: 'gemini' }, { MCP_CLIENT_PROFILE: 'openai-strict' }, { MCP_CLIENT_PROFILE: 'claude' }, { MCP_CLIENT_PROFILE: 'gemini', MCP_MAX_OUTPUT_TOKENS: '5000' }, { MCP_MAX_OUTPUT_TOKENS: 'off' }]) {
      it(`${project.name}, ${JSON.stringify(profileEnv)}: every client's listing`, async () => {
        const { manifest, modules } = await project.get();
        const env: Record<string, string> = { ...profileEnv, ...(manifest.auth?.mode === 'oauth-proxy' ? OAUTH_PROXY_ENV : {}) };
        const listing = early(manifest, env);
        const direct = Object.keys(manifest.tools).length > 0 && (manifest.discovery?.mode ?? 'direct') === 'direct';
        if (!direct) {
          expect(listing).toBeUndefined();
          return;
        }
        expect(listing).toBeDefined();
        const sdk = await sdkPath(manifest, modules, env);
        let id = 0;
        for (const client of CLIENTS) {
          for (const capabilities of [{}, { roots: { listChanged: true }, elicitation: { form: {} } }, { sampling: {} }, { experimental: { x: {} } }, { notAKnownCapability: {} }]) {
            const line = listLine(++id, client, capabilities);
            const expected = await sdk.ask(line);
            expect(JSON.parse(expected).result?.tools?.length, expected.slice(0, 200)).toBeGreaterThan(0);
            expect(listing!.answer(line), `${client.name}`).toBe(expected);
          }
        }
        // A string id, as the SDK echoes it.
        const line = listLine('list-1', CLIENTS[0]!);
        expect(listing!.answer(line)).toBe(await sdk.ask(line));
        // server/discover: answered early for a plain tool server, the same bytes; else left to the runtime.
        const discover = JSON.stringify({ ...JSON.parse(listLine('server-discover-probe-1', CLIENTS[1]!)), method: 'server/discover' });
        const discovered = await sdk.ask(discover);
        expect(JSON.parse(discovered).result.capabilities.tools).toBeDefined();
        const plain = Object.keys(manifest.resources).length === 0 && Object.keys(manifest.prompts).length === 0 && Object.values(manifest.tools).every((t) => !t.task);
        expect(listing!.answer(discover)).toBe(plain ? discovered : undefined);
      });
    }
  }
});

describe('stdio early tools/list: what it leaves to the SDK', () => {
  it('answers only the plain modern request; every other line is the runtime’s', async () => {
    const { manifest } = await load('notes');
    const listing = early(manifest, {})!;
    const plain = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { [META_VERSION]: '2026-07-28', [META_INFO]: CLIENTS[0], [META_CAPS]: {} } } };
    expect(listing.answer(JSON.stringify(plain))).toMatch(/^\{"result":\{"tools":\[/);
    const variants: Array<[string, unknown]> = [
      ['a cursor', { ...plain, params: { ...plain.params, cursor: 'abc' } }],
      ['a progress token', { ...plain, params: { _meta: { ...plain.params._meta, progressToken: 1 } } }],
      ['the 2025 protocol (no envelope)', { ...plain, params: {} }],
      ['another revision', { ...plain, params: { _meta: { ...plain.params._meta, [META_VERSION]: '2025-11-25' } } }],
      ['no capabilities', { ...plain, params: { _meta: { [META_VERSION]: '2026-07-28', [META_INFO]: CLIENTS[0] } } }],
      ['a capability that is not an object', { ...plain, params: { _meta: { ...plain.params._meta, [META_CAPS]: { roots: true } } } }],
      ['clientInfo with icons', { ...plain, params: { _meta: { ...plain.params._meta, [META_INFO]: { ...CLIENTS[0], icons: [] } } } }],
      ['clientInfo without a version', { ...plain, params: { _meta: { ...plain.params._meta, [META_INFO]: { name: 'x' } } } }],
      ['a null id', { ...plain, id: null }],
      ['a fractional id', { ...plain, id: 1.5 }],
      ['no id (a notification)', { jsonrpc: '2.0', method: 'tools/list', params: plain.params }],
      ['an extra top-level key', { ...plain, extra: 1 }],
      ['another method', { ...plain, method: 'prompts/list' }],
      ['server/discover of a server with resources and prompts', { ...plain, method: 'server/discover' }],
      ['a batch', [plain]],
    ];
    for (const [why, message] of variants) expect(listing.answer(JSON.stringify(message)), why).toBeUndefined();
    expect(listing.answer('{"jsonrpc":"2.0",'), 'not JSON').toBeUndefined();
  });

  it('leaves the list to the runtime where it differs from the manifest: caps, progressive discovery, no tools, HTTP, tracing, MCP_FAST_PATH=off', async () => {
    const { manifest } = hardManifest();
    const many = { ...manifest, tools: Object.fromEntries(Array.from({ length: 61 }, (_, i) => [`t${i}`, { ...Object.values(manifest.tools)[0]!, name: `t${i}` }])) } as Manifest;
    // Over 60 tools the default is progressive: the runtime lists the discovery tools.
    expect(early(many, {})).toBeUndefined();
    const direct = early(many, { MCP_DISCOVERY: 'direct' })!;
    expect(JSON.parse(direct.answer(listLine(1, CLIENTS[0]!))!).result.tools).toHaveLength(61);
    // Cursor takes 40 tools: the runtime cuts the list and warns; not the early answer.
    expect(direct.answer(listLine(2, { name: 'cursor', version: '1' }))).toBeUndefined();
    expect(early({ ...manifest, tools: {} }, {})).toBeUndefined();
    expect(early(manifest, { MCP_TRANSPORT: 'http' })).toBeUndefined();
    expect(early(manifest, { MCP_FAST_PATH: 'off' })).toBeUndefined();
    expect(early(manifest, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBeUndefined();
    // A configuration error: runServer reports it.
    expect(early(manifest, { MCP_CLIENT_PROFILE: 'nonsense' })).toBeUndefined();
    // MCP_TOOLS: the served tools only.
    const one = Object.keys(manifest.tools)[1]!;
    const selected = early(manifest, { MCP_TOOLS: one })!;
    expect(JSON.parse(selected.answer(listLine(3, CLIENTS[0]!))!).result.tools.map((t: { name: string }) => t.name)).toEqual([one]);
  });
});

describe('stdio, modern clients: the profile comes from each request’s envelope', () => {
  it('a tools/call shaped for openai-strict (nulls for absent optionals) is restored over stdio; the same call from a full-profile client is refused', async () => {
    const { manifest, modules } = await load('notes');
    const sdk = await sdkPath(manifest, modules, {}, join(TOOLKIT_ROOT, 'examples', 'notes'));
    const call = (id: number, clientInfo: object) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'create_note', arguments: { title: 'shaped', body: null, tags: null }, _meta: { [META_VERSION]: '2026-07-28', [META_INFO]: clientInfo, [META_CAPS]: {} } },
      });
    // The list this client got shows every optional as required-or-null (openai-strict)…
    const listed = JSON.parse(await sdk.ask(listLine(1, { name: 'openai-codex', version: '1' }))).result.tools.find((t: { name: string }) => t.name === 'create_note');
    expect(listed.inputSchema.required).toEqual(expect.arrayContaining(['title', 'body', 'tags']));
    // …so its call with nulls is mapped back before validation, and succeeds.
    const shaped = JSON.parse(await sdk.ask(call(2, { name: 'openai-codex', version: '1' })));
    expect(shaped.result.isError, JSON.stringify(shaped)).toBeFalsy();
    expect(shaped.result.structuredContent).toMatchObject({ title: 'shaped' });
    // A client with the full schema sent nulls where the schema says string/array: refused.
    const full = JSON.parse(await sdk.ask(call(3, { name: 'mcpforge-test', version: '1' })));
    expect(full.result.isError).toBe(true);
    expect(JSON.stringify(full.result.content)).toMatch(/body|tags/);
  });
});

describe('stdio early tools/list: a large manifest’s precomputed listing', () => {
  /** A manifest of `copies` × the hard schemas (titles, annotations, output schemas), as generated in the large form. */
  function largeSource(copies: number): { manifest: Manifest; source: string } {
    const { manifest } = hardManifest();
    const tools: Manifest['tools'] = {};
    for (let i = 0; i < copies; i++) for (const [name, tool] of Object.entries(manifest.tools)) tools[`${name}_${i}`] = { ...tool, name: `${name}_${i}`, description: `${tool.description} (it's copy ${i}: '\\' \u2029)` };
    const large = { ...manifest, tools };
    return { manifest: large, source: emitLargeManifest(large as unknown as { tools: Record<string, unknown> }) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-large-manifest-'));
  roots.push(dir);
  let instance = 0;
  /** A fresh evaluation of the generated module (each import its own manifest object). */
  async function evaluate(source: string): Promise<Manifest> {
    const file = join(dir, `manifest-${++instance}.ts`);
    writeFileSync(file, source);
    return ((await import(pathToFileURL(file).href)) as { manifest: Manifest }).manifest;
  }
  const unparsed = (manifest: Manifest) => Object.getOwnPropertyDescriptor(manifest, 'tools')?.get !== undefined;

  it('the module evaluates to the manifest; its tools are parsed on first read, and can be set', async () => {
    const { manifest, source } = largeSource(3);
    const evaluated = await evaluate(source);
    expect(unparsed(evaluated)).toBe(true);
    expect(precomputedListingOf(evaluated)?.tools).toBe(Object.keys(manifest.tools).length);
    expect(JSON.stringify(evaluated)).toBe(JSON.stringify(manifest));
    expect(unparsed(evaluated)).toBe(false);
    // Read once, the listing may no longer describe the tools: never used again.
    expect(precomputedListingOf(evaluated)).toBeUndefined();
    // Rebuilt from the listing (the module is about half the text), and the same JSON as above.
    expect(source).toContain('const toolsOf = ');
    expect(source).not.toContain('const tools: string');
    // A tool the SDK path lists otherwise (an output schema without a type): no listing, the tools as their own text.
    const unlisted = { ...manifest, tools: { ...manifest.tools, untyped: { ...Object.values(manifest.tools)[0]!, name: 'untyped', outputSchema: { properties: {} } } } };
    const plain = emitLargeManifest(unlisted as unknown as { tools: Record<string, unknown> });
    expect(plain).toContain('const tools: string');
    const plainValue = await evaluate(plain);
    expect(precomputedListingOf(plainValue)).toBeUndefined();
    expect(JSON.stringify(plainValue)).toBe(JSON.stringify(unlisted));
    const other = await evaluate(source);
    other.tools = {};
    expect(other.tools).toEqual({});
    expect(precomputedListingOf(other)).toBeUndefined();
  });

  it('answers with the same bytes as the SDK path, for 1,000 tools, without parsing the tools for an unknown client', async () => {
    const { source } = largeSource(Math.ceil(1000 / Object.keys(HARD_SCHEMAS).length));
    const early1 = await evaluate(source);
    const listing = early(early1, { MCP_DISCOVERY: 'direct' })!;
    const served = await evaluate(source);
    const unused = Object.values(hardManifest().modules.tools)[0]!;
    const sdk = await sdkPath(served, { tools: Object.fromEntries(Object.keys(served.tools).map((name) => [name, unused])), resources: {}, prompts: {} }, { MCP_DISCOVERY: 'direct' });
    for (const [id, line] of [listLine(1, CLIENTS[0]!), listLine('s-2', { name: 'some-client', version: '2' }, { roots: {} })].entries()) {
      const answer = listing.answer(line);
      expect(answer, `line ${id}`).toBe(await sdk.ask(line));
    }
    // Answered from the precomputed text: the tools were never read.
    expect(unparsed(early1)).toBe(true);
    // A shaped profile is listed from the tools (parsed now), still the SDK's bytes.
    const claude = listLine(3, CLIENTS[1]!);
    expect(listing.answer(claude)).toBe(await sdk.ask(claude));
    expect(unparsed(early1)).toBe(false);
  });

  it('is not used once the tools were read (and maybe changed), for a copy, a tool selection or another format', async () => {
    const { source } = largeSource(2);
    const changed = await evaluate(source);
    const [first] = Object.values(changed.tools);
    first!.description = 'changed after generation';
    expect(early(changed, {})!.answer(listLine(1, CLIENTS[0]!))).toContain('"description":"changed after generation"');
    const copy = await evaluate(source);
    expect(precomputedListingOf({ ...copy })).toBeUndefined();
    const selected = await evaluate(source);
    const one = Object.keys(JSON.parse(JSON.stringify(selected.tools)) as object)[0]!;
    expect(JSON.parse(early(await evaluate(source), { MCP_TOOLS: one })!.answer(listLine(2, CLIENTS[0]!))!).result.tools).toHaveLength(1);
    const older = await evaluate(source.replace('value: { format: 1,', 'value: { format: 0,'));
    expect(precomputedListingOf(older)).toBeUndefined();
  });
});

/**
 * Golden scenario: the notes example goes through a scripted series of spec changes with hand
 * edits to handler bodies in between. After every step: the project type-checks and builds
 * (`tsc`, then the build script's copy of the validators), every handler body is byte-identical
 * to what the user left, and the built server answers through the official MCP client. The last step starts the built server as a process
 * and talks to it over stdio. `add`, `check` and the conflict case run through the real CLI.
 */
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createTestClient } from '@mcpforge/runtime/testing';
import type { Manifest, ServerModules } from '@mcpforge/runtime';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitPlan, planProject } from '../../generators/generate/project.js';
import type { SyncPlan } from '../../generators/shared/merge/sync.js';
import { snapshotFiles } from '../helpers/snapshot.js';
import { copyValidators } from '../helpers/validators.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const DIR = join(TOOLKIT_ROOT, '.tmp', 'scenario-notes');
const TSC = join(TOOLKIT_ROOT, 'node_modules', '.bin', 'tsc');
const file = (path: string) => join(DIR, path);
const read = (path: string) => readFileSync(file(path), 'utf8');
const write = (path: string, text: string) => writeFileSync(file(path), text);

/** A hand edit: `from` must be in the file (so a stale script fails loudly). */
function edit(path: string, from: string | RegExp, to: string): void {
  const text = read(path);
  expect(text, `${path} should contain ${from}`).toMatch(typeof from === 'string' ? new RegExp(escape(from)) : from);
  write(path, text.replace(from, to));
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function editJson(path: string, change: (schema: Record<string, any>) => void): void {
  const schema = JSON.parse(read(path));
  change(schema);
  write(path, `${JSON.stringify(schema, null, 2)}\n`);
}

/** Everything after the `define*(` line: generation may touch that line and the imports above, never this. */
function body(text: string): string {
  const start = text.search(/^export default define(Tool|Resource|Prompt)\(|^const \w+ = define(Tool|Resource|Prompt)\(/m);
  expect(start, 'a define*( line').toBeGreaterThanOrEqual(0);
  return text.slice(text.indexOf('\n', start));
}

function handlerFiles(): string[] {
  return ['tools', 'resources', 'prompts'].flatMap((dir) => (existsSync(file(`src/${dir}`)) ? readdirSync(file(`src/${dir}`)).map((f) => `src/${dir}/${f}`) : []));
}

/** Bodies as the user left them, checked after the next generation. */
let bodies = new Map<string, string>();
function snapshotBodies(): void {
  bodies = new Map(handlerFiles().map((path) => [path, body(read(path))]));
}

async function generate(): Promise<SyncPlan> {
  const outcome = await planProject({ specPath: file('mcpforge.yaml') });
  if (outcome.upToDate) throw new Error('expected changes');
  expect(outcome.plan.conflicts).toEqual([]);
  await commitPlan(DIR, outcome.plan);
  return outcome.plan;
}

const cli = (...args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: DIR, all: true, reject: false });

let step = 0;
let client: Awaited<ReturnType<typeof createTestClient>> | undefined;

/** Bodies unchanged, tsc builds the project (strict), then an in-memory server (and database) from that build. */
async function verify(): Promise<Awaited<ReturnType<typeof createTestClient>>> {
  for (const [path, before] of bodies) if (existsSync(file(path))) expect(body(read(path)), `body of ${path}`).toBe(before);
  step++;
  const out = `build-${step}`;
  const tsc = await execa(TSC, ['-p', file('tsconfig.json'), '--outDir', file(out)], { cwd: DIR, all: true, reject: false });
  expect(tsc.exitCode, tsc.all).toBe(0);
  copyValidators(DIR, out);
  await client?.close();
  const load = async <T>(path: string) => (await import(/* @vite-ignore */ pathToFileURL(file(`${out}/${path}`)).href)) as T;
  const { manifest } = await load<{ manifest: Manifest }>('generated/manifest.js');
  const { modules } = await load<{ modules: ServerModules }>('generated/handlers.js');
  client = await createTestClient({ manifest, modules, migrations: pathToFileURL(file('migrations/')) });
  return client;
}

interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}
const call = async (name: string, args: Record<string, unknown>) => (await client!.client.callTool({ name, arguments: args })) as ToolResult;

// Each step builds and starts the project (up to three times in step 4): 60 s is too tight on a loaded 2-core machine.
describe('scenario: the notes example through a series of spec changes', { timeout: 240_000 }, () => {
  beforeAll(() => {
    rmSync(DIR, { recursive: true, force: true });
    cpSync(join(TOOLKIT_ROOT, 'examples', 'notes'), DIR, { recursive: true });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('0. starts from the example: generate changes nothing the user owns', async () => {
    const outcome = await planProject({ specPath: file('mcpforge.yaml') });
    expect(outcome.upToDate).toBe(false);
    if (outcome.upToDate) return;
    expect([...outcome.plan.write.keys(), ...outcome.plan.create.keys(), ...outcome.plan.update.keys(), ...outcome.plan.remove]).toEqual([]);
    await commitPlan(DIR, outcome.plan);
    // Hand edits: explicit types on create_note, a helper and a comment in its body.
    edit('src/tools/create_note.ts', "import { defineTool } from '../generated/registry.js';", "import type { CreateNoteInput, CreateNoteOutput } from '../generated/types/create_note.js';\nimport { defineTool, type Context } from '../generated/registry.js';");
    edit('src/tools/create_note.ts', 'async (input, ctx) => {', 'async (input: CreateNoteInput, ctx: Context): Promise<CreateNoteOutput> => {\n  // Hand-written: titles are trimmed before they are stored.');
    edit('src/tools/create_note.ts', 'title: input.title,', 'title: tidy(input.title),');
    write('src/tools/create_note.ts', `${read('src/tools/create_note.ts')}\n/** A helper the user wrote. */\nfunction tidy(title: string): string {\n  return title.trim();\n}\n`);
    snapshotBodies();
    await verify();
    const created = await call('create_note', { title: '  spaced  ' });
    expect(created.structuredContent).toMatchObject({ title: 'spaced' });
  });

  it('1. adds an optional property, then the body uses it', async () => {
    editJson('schemas/create_note.input.json', (s) => (s.properties.pinned = { type: 'boolean', description: 'Keep on top.' }));
    const plan = await generate();
    expect([...plan.write.keys()]).toContain('src/generated/types/create_note.ts');
    expect(plan.update.size).toBe(0); // types flow from the registry: no handler edit needed
    await verify();
    expect(await call('create_note', { title: 'x', pinned: 'yes' })).toMatchObject({ isError: true });
    edit('src/tools/create_note.ts', "ctx.log.info({ noteId: note.id }, 'note created');", "ctx.log.info({ noteId: note.id, pinned: input.pinned ?? false }, 'note created');");
    snapshotBodies();
  });

  it('2. makes a property required', async () => {
    editJson('schemas/create_note.input.json', (s) => (s.required = ['title', 'body']));
    await generate();
    await verify();
    const missing = await call('create_note', { title: 'no body' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]?.text).toMatch(/body/);
    expect((await call('create_note', { title: 'ok', body: 'text', pinned: true })).isError ?? false).toBe(false);
    snapshotBodies();
  });

  it('3. changes a property type', async () => {
    editJson('schemas/list_notes.input.json', (s) => (s.properties.limit.type = 'number'));
    await generate();
    await verify();
    const { tools } = await client!.client.listTools();
    expect(tools.find((t) => t.name === 'list_notes')?.inputSchema).toMatchObject({ properties: { limit: { type: 'number' } } });
    expect((await call('list_notes', { limit: 'ten' })).isError).toBe(true);
    snapshotBodies();
  });

  it('4. `mcpforge add tool` edits the spec in place and creates a stub; then an output schema is added', async () => {
    const specBefore = read('mcpforge.yaml');
    const added = await cli('add', 'tool', 'count_notes', '--description', 'Count the stored notes.');
    expect(added.exitCode, added.all).toBe(0);
    expect(added.stdout).toMatch(/create\s+src\/tools\/count_notes\.ts/);
    const specAfter = read('mcpforge.yaml');
    expect(specAfter.startsWith(specBefore.slice(0, specBefore.indexOf('resources:')))).toBe(true); // comments and layout kept
    expect(specAfter).toContain('  count_notes:\n    description: Count the stored notes.\n    input: schemas/count_notes.input.json\n');
    expect(existsSync(file('schemas/count_notes.input.json'))).toBe(true);
    snapshotBodies();
    await verify();
    expect((await call('count_notes', {})).content[0]?.text).toMatch(/not implemented yet/);

    write('schemas/count_notes.output.json', `${JSON.stringify({ type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] }, null, 2)}\n`);
    edit('mcpforge.yaml', '    input: schemas/count_notes.input.json\n', '    input: schemas/count_notes.input.json\n    output: schemas/count_notes.output.json\n');
    await generate();
    await verify();
    // Hand edit: implement it against the new output type.
    edit('src/tools/count_notes.ts', /  \/\/ input:[\s\S]*?throw new ToolError\([^)]*\);\n/, "  const rows = await ctx.db.selectFrom('notes').select('id').execute();\n  return { count: rows.length };\n");
    edit('src/tools/count_notes.ts', "import { ToolError } from '@mcpforge/runtime';\n", '');
    snapshotBodies();
    await verify(); // a fresh in-memory database per build
    for (const title of ['one', 'two']) await call('create_note', { title, body: title });
    expect((await call('count_notes', {})).structuredContent).toEqual({ count: 2 });
  });

  it('5. removes a tool: unregistered, its handler left in place, the project still compiles', async () => {
    edit('mcpforge.yaml', /  delete_note:\n(    .*\n|      .*\n)*/, '');
    const plan = await generate();
    expect(plan.warnings.join('\n')).toMatch(/src\/tools\/delete_note\.ts: tool "delete_note" is not in mcpforge\.yaml.*left in place/);
    expect(existsSync(file('src/tools/delete_note.ts'))).toBe(true);
    await verify();
    const { tools } = await client!.client.listTools();
    expect(tools.map((t) => t.name)).not.toContain('delete_note');
    snapshotBodies();
  });

  it('6. renames a tool: a removal plus an addition, then the user moves the handler over', async () => {
    edit('mcpforge.yaml', '  search_notes:', '  find_notes:');
    const plan = await generate();
    expect(plan.warnings.join('\n')).toMatch(/"search_notes" left the spec and "find_notes" arrived: a rename is a removal plus an addition/);
    expect([...plan.create.keys()]).toEqual(['src/tools/find_notes.ts']);
    await verify();
    expect((await call('find_notes', { query: 'x' })).content[0]?.text).toMatch(/not implemented yet/);
    // The user follows the advice: the old handler replaces the new stub.
    const searchBody = body(read('src/tools/search_notes.ts'));
    renameSync(file('src/tools/search_notes.ts'), file('src/tools/find_notes.ts'));
    const moved = await generate();
    expect(moved.update.get('src/tools/find_notes.ts')?.changes).toEqual(["name 'search_notes' → 'find_notes'"]);
    expect(read('src/tools/find_notes.ts')).toContain("export default defineTool('find_notes', async (input, ctx) => {");
    expect(body(read('src/tools/find_notes.ts'))).toBe(searchBody);
    snapshotBodies();
    await verify();
    await call('create_note', { title: '  spaced ', body: 'b' });
    const found = await call('find_notes', { query: 'SPACED' });
    expect((found.structuredContent as { notes: Array<{ title: string }> }).notes.map((n) => n.title)).toEqual(['spaced']);
  });

  it('7. changes the resource URI template', async () => {
    edit('mcpforge.yaml', 'uri: notes://{id}', 'uri: notes://{folder}/{id}');
    const plan = await generate();
    expect(read('src/generated/types/resources/note.ts')).toMatch(/folder: string;\s+id: string;/);
    expect(plan.update.size).toBe(0);
    await verify();
    const { resourceTemplates } = await client!.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('notes://{folder}/{id}');
    const created = await call('create_note', { title: 'via resource', body: 'b' });
    const id = (created.structuredContent as { id: string }).id;
    const resource = await client!.client.readResource({ uri: `notes://inbox/${id}` });
    expect(JSON.parse((resource.contents[0] as { text: string }).text)).toMatchObject({ id, title: 'via resource' });
    snapshotBodies();
  });

  it('8. `check` fails on a stale project and passes after `generate`', async () => {
    expect((await cli('check')).exitCode).toBe(0);
    editJson('schemas/list_notes.input.json', (s) => (s.properties.tag.maxLength = 40));
    const stale = await cli('check');
    expect(stale.exitCode).toBe(1);
    expect(stale.stdout).toMatch(/src\/generated\/manifest\.ts: stale/);
    expect(stale.stdout).toMatch(/src\/generated\/validators\/list_notes\.input\.js: stale/);
    expect(stale.stderr).toMatch(/Run it and commit the result/);
    const generated = await cli('generate');
    expect(generated.exitCode, generated.all).toBe(0);
    const ok = await cli('check');
    expect(ok.exitCode, ok.all).toBe(0);
    const noop = await cli('generate');
    expect(noop.stdout).toMatch(/^up to date/);
    // A handler whose name literal drifted is a difference too.
    edit('src/tools/list_notes.ts', "defineTool('list_notes'", "defineTool('list_notes_old'");
    const drifted = await cli('check');
    expect(drifted.exitCode).toBe(1);
    expect(drifted.stdout).toMatch(/src\/tools\/list_notes\.ts: handler does not match the spec: name 'list_notes_old' → 'list_notes'/);
    edit('src/tools/list_notes.ts', "defineTool('list_notes_old'", "defineTool('list_notes'");
    expect((await cli('check')).exitCode).toBe(0);
  });

  it('9. a conflict prints the file and the expected signature, exits 1 and leaves every file as it was', async () => {
    // The user's body uses the output type; then the output schema goes away.
    edit('src/tools/count_notes.ts', "import { defineTool } from '../generated/registry.js';", "import type { CountNotesOutput } from '../generated/types/count_notes.js';\nimport { defineTool } from '../generated/registry.js';");
    edit('src/tools/count_notes.ts', '  return { count: rows.length };', '  const result: CountNotesOutput = { count: rows.length };\n  return result;');
    expect((await cli('generate')).exitCode).toBe(0);
    edit('mcpforge.yaml', '    output: schemas/count_notes.output.json\n', '');
    // ...and another file has a change generate would make, to prove nothing at all is written.
    editJson('schemas/list_notes.input.json', (s) => (s.properties.tag.maxLength = 50));
    const before = snapshotFiles(DIR, buildOutput);
    const result = await cli('generate');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/conflict: src\/tools\/count_notes\.ts/);
    expect(result.stderr).toMatch(/found: +uses CountNotesOutput \(imported from \.\.\/generated\/types\/count_notes\.js\), which the spec no longer generates/);
    expect(result.stderr).toMatch(/expected: export default defineTool\('count_notes', async \(input, ctx\) => \{ \.\.\. \}\)/);
    expect(result.stderr).toMatch(/nothing was written/);
    expect(snapshotFiles(DIR, buildOutput)).toEqual(before);
    // The user resolves it; generate goes through.
    edit('src/tools/count_notes.ts', '  const result: CountNotesOutput = { count: rows.length };\n  return result;', '  return `${rows.length} notes`;');
    const resolved = await cli('generate');
    expect(resolved.exitCode, resolved.all).toBe(0);
    expect(read('src/tools/count_notes.ts')).not.toContain('CountNotesOutput');
    snapshotBodies();
    await verify();
    expect((await call('count_notes', {})).content[0]?.text).toMatch(/^\d+ notes$/);
  });

  it('10. the built server runs as a process and answers over stdio', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [file(`build-${step}/server.js`)], cwd: DIR, env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: 'sqlite::memory:' } as Record<string, string>, stderr: 'pipe' });
    const stdio = new Client({ name: 'scenario', version: '0.0.0' });
    await stdio.connect(transport);
    try {
      const { tools } = await stdio.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['count_notes', 'create_note', 'find_notes', 'list_notes']);
      const created = (await stdio.callTool({ name: 'create_note', arguments: { title: 'over stdio', body: 'b' } })) as ToolResult;
      expect(created.structuredContent).toMatchObject({ title: 'over stdio' });
      const found = (await stdio.callTool({ name: 'find_notes', arguments: { query: 'stdio' } })) as ToolResult;
      expect((found.structuredContent as { notes: unknown[] }).notes).toHaveLength(1);
    } finally {
      await stdio.close();
    }
  });
});

/** Build folders and server data the scenario's own steps create: not project files. */
function buildOutput(segment: string): boolean {
  return segment.startsWith('build-') || segment === 'data';
}

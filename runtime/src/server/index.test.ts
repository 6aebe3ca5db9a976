import { describe, expect, it } from 'vitest';
import type { DestinationStream } from 'pino';
import { makeMigrations, makeModules, manifest, handlers } from '../__fixtures__/notes.js';
import { createLogger } from '../observability/index.js';
import { createTestClient } from '../testing/index.js';
import { createDatabase } from '../storage/index.js';
import { createServerFactory } from './factory.js';
import { createDefineTool, type ServerModules } from './contract.js';

function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const destination: DestinationStream = { write: (s: string) => void lines.push(JSON.parse(s)) };
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

const text = (result: { content?: unknown }) => (result.content as Array<{ text: string }>)[0]!.text;

describe('tools', () => {
  it('hides internal errors behind a request id and logs the real one', async () => {
    const { lines, logger } = captureLogs();
    const t = await createTestClient({ manifest, modules: makeModules(), migrations: makeMigrations(), logger });
    try {
      const result = await t.client.callTool({ name: 'explode', arguments: { mode: 'internal' } });
      expect(result.isError).toBe(true);
      const message = text(result);
      const match = /^Internal error \(request id ([0-9a-f-]{36})\)$/.exec(message);
      expect(match).not.toBeNull();
      expect(message).not.toContain('hunter2');
      const logged = lines.find((l) => l.requestId === match![1]);
      expect(logged?.tool).toBe('explode');
      expect(JSON.stringify(logged?.err)).toContain('hunter2');
    } finally {
      await t.close();
    }
  });

  it('shows ToolError messages with their code and data', async () => {
    const t = await createTestClient({ manifest, modules: makeModules() });
    try {
      const result = await t.client.callTool({ name: 'explode', arguments: { mode: 'tool' } });
      expect(result.isError).toBe(true);
      expect(text(result)).toBe('Note 42 is locked; unlock it first');
      expect(result._meta?.['mcpforge/error']).toEqual({ code: 'tool_failed', data: { id: 42 } });
    } finally {
      await t.close();
    }
  });

  it('treats output that breaks the output schema as a logged server bug', async () => {
    const { lines, logger } = captureLogs();
    const t = await createTestClient({ manifest, modules: makeModules(), logger });
    try {
      const result = await t.client.callTool({ name: 'bad_output', arguments: {} });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^Internal error \(request id /);
      expect(result.structuredContent).toBeUndefined();
      const logged = lines.find((l) => l.code === 'invalid_output');
      expect(String(logged?.problems)).toContain('/id must be integer');
    } finally {
      await t.close();
    }
  });

  it('turns a string result into text content and passes the anonymous identity', async () => {
    const t = await createTestClient({ manifest, modules: makeModules() });
    try {
      const result = await t.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect(result.content).toEqual([{ type: 'text', text: 'hi (as anonymous)' }]);
      expect(result.isError).toBeFalsy();
    } finally {
      await t.close();
    }
  });

  it('names extra properties and enum values in validation messages', async () => {
    const t = await createTestClient({ manifest, modules: makeModules() });
    try {
      const extra = await t.client.callTool({ name: 'create_note', arguments: { title: 'x', colour: 'red' } });
      expect(text(extra)).toContain("/ must NOT have additional properties: 'colour'");
      const bad = await t.client.callTool({ name: 'explode', arguments: { mode: 'boom' } });
      expect(text(bad)).toContain('/mode must be equal to one of the allowed values: ["tool","internal","slow"]');
    } finally {
      await t.close();
    }
  });

  it('writes through ctx.db into SQLite with migrations applied', async () => {
    const t = await createTestClient({ manifest, modules: makeModules(), migrations: makeMigrations() });
    try {
      await t.client.callTool({ name: 'create_note', arguments: { title: 'a' } });
      await t.client.callTool({ name: 'create_note', arguments: { title: 'b' } });
      const rows = await (t.storage.db as never as import('kysely').Kysely<{ notes: { title: string } }>).selectFrom('notes').select('title').execute();
      expect(rows.map((r) => r.title)).toEqual(['a', 'b']);
    } finally {
      await t.close();
    }
  });
});

describe('resources and prompts', () => {
  it('serves a static text resource with its mime type', async () => {
    const t = await createTestClient({ manifest, modules: makeModules() });
    try {
      const read = await t.client.readResource({ uri: 'notes://readme' });
      expect(read.contents).toEqual([{ uri: 'notes://readme', mimeType: 'text/markdown', text: '# Notes\n' }]);
    } finally {
      await t.close();
    }
  });

  it('lists template resources, completes variables and reports missing ones as errors', async () => {
    const t = await createTestClient({ manifest, modules: makeModules(), migrations: makeMigrations() });
    try {
      for (const title of ['one', 'two']) await t.client.callTool({ name: 'create_note', arguments: { title } });
      const { resources } = await t.client.listResources();
      expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['notes://readme', 'notes://notes/1', 'notes://notes/2']));
      const { resourceTemplates } = await t.client.listResourceTemplates();
      expect(resourceTemplates[0]?.uriTemplate).toBe('notes://notes/{id}');
      const completion = await t.client.complete({ ref: { type: 'ref/resource', uri: 'notes://notes/{id}' }, argument: { name: 'id', value: '2' } });
      expect(completion.completion.values).toEqual(['2']);
      await expect(t.client.readResource({ uri: 'notes://notes/99' })).rejects.toThrow(/No note 99/);
    } finally {
      await t.close();
    }
  });

  it('validates prompt arguments with the generated validator', async () => {
    const t = await createTestClient({ manifest, modules: makeModules() });
    try {
      const { prompts } = await t.client.listPrompts();
      expect(prompts[0]?.arguments).toEqual([{ name: 'topic', required: true }]);
      await expect(t.client.getPrompt({ name: 'summarize', arguments: { topic: 'x' } })).rejects.toThrow(/\/topic must NOT have fewer than 2 characters/);
    } finally {
      await t.close();
    }
  });
});

describe('loading modules', () => {
  const db = async () => (await createDatabase('sqlite::memory:')).db;

  it('names the file when a handler implements another tool', async () => {
    const wrong = createDefineTool<{ echo: { input: { text: string }; output: undefined } }, unknown>()('echo', () => 'x');
    const modules = makeModules({ create_note: wrong });
    await expect(createServerFactory({ manifest, modules, deps: { db: await db() } })).rejects.toThrow(
      /src\/tools\/create_note\.ts: implements tool "echo" but is loaded for tool "create_note"/,
    );
  });

  it('names the file when the default export is not a definition', async () => {
    const modules = makeModules({ summarize: { hello: 1 } });
    await expect(createServerFactory({ manifest, modules, deps: { db: await db() } })).rejects.toThrow(
      /src\/prompts\/summarize\.ts: the default export must be `definePrompt\('summarize', \.\.\.\)`/,
    );
  });

  it('refuses a manifest entry without a module and a module without a manifest entry', async () => {
    const missing = makeModules();
    delete (missing.tools as Record<string, unknown>).echo;
    await expect(createServerFactory({ manifest, modules: missing, deps: { db: await db() } })).rejects.toThrow(/Tool "echo" is in the manifest but not in src\/generated\/handlers\.ts/);
    const extra: ServerModules = makeModules();
    extra.tools.ghost = { handler: async () => ({ default: handlers.echo }), validateInput: async () => ({ default: () => true }) };
    await expect(createServerFactory({ manifest, modules: extra, deps: { db: await db() } })).rejects.toThrow(/lists tool "ghost" that the manifest does not have/);
  });

  it('reports a loader that throws', async () => {
    const modules = makeModules();
    modules.tools.echo!.handler = async () => {
      throw new Error('SyntaxError: Unexpected token');
    };
    await expect(createServerFactory({ manifest, modules, deps: { db: await db() } })).rejects.toThrow(/src\/tools\/echo\.ts: failed to load: SyntaxError/);
  });
});

describe('pool', () => {
  it('hands out distinct instances and reuses closed ones', async () => {
    const factory = await createServerFactory({ manifest, modules: makeModules(), deps: { db: (await createDatabase('sqlite::memory:')).db, logger: createLogger({ level: 'silent' }) } });
    const a = factory({ era: 'modern' });
    const b = factory({ era: 'modern' });
    expect(a).not.toBe(b);
    await a.server.onclose?.();
    a.server.onclose?.();
    const c = factory({ era: 'modern' });
    const d = factory({ era: 'modern' });
    expect(c).toBe(a);
    expect(d).not.toBe(a);
    expect(factory.stats).toMatchObject({ built: 3, reused: 1 });
  });
});

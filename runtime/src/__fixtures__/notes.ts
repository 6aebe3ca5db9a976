/**
 * A small "notes" project built the way generated code is (manifest + lazy module loaders +
 * standalone validators), with handlers written inline. Shared by the runtime's tests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Generated } from 'kysely';
import { ToolError } from '../errors/index.js';
import { createDefinePrompt, createDefineResource, createDefineTool, type Manifest, type ServerModules } from '../server/contract.js';
import { standaloneValidator } from '../testing/index.js';

interface NotesDb {
  notes: { id: Generated<number>; title: string; body: Generated<string> };
}
type Tools = {
  create_note: { input: { title: string; body?: string }; output: { id: number; title: string } };
  echo: { input: { text: string }; output: undefined };
  explode: { input: { mode: 'tool' | 'internal' | 'slow' }; output: undefined };
  bad_output: { input: Record<string, never>; output: { id: number } };
};
type Resources = {
  note: { params: { id: string }; data: { id: number; title: string; body: string } };
  readme: { params: Record<string, never>; data: undefined };
};
type Prompts = { summarize: { args: { topic: string } } };

const defineTool = createDefineTool<Tools, NotesDb>();
const defineResource = createDefineResource<Resources, NotesDb>();
const definePrompt = createDefinePrompt<Prompts, NotesDb>();

export const manifest: Manifest = {
  name: 'notes',
  version: '1.2.3',
  description: 'Notes for tests',
  layout: 'dev',
  transports: ['stdio', 'http'],
  tools: {
    create_note: {
      name: 'create_note',
      title: 'Create a note',
      description: 'Creates a note and returns its id',
      inputSchema: {
        type: 'object',
        properties: { title: { type: 'string', minLength: 1 }, body: { type: 'string' } },
        required: ['title'],
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        properties: { id: { type: 'integer' }, title: { type: 'string' } },
        required: ['id', 'title'],
      },
      annotations: { destructiveHint: false },
    },
    echo: {
      name: 'echo',
      description: 'Echoes text',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    },
    explode: {
      name: 'explode',
      description: 'Fails on purpose',
      inputSchema: { type: 'object', properties: { mode: { enum: ['tool', 'internal', 'slow'] } }, required: ['mode'] },
    },
    bad_output: {
      name: 'bad_output',
      description: 'Returns output that breaks its schema',
      inputSchema: { type: 'object', properties: {} },
      outputSchema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
    },
  },
  resources: {
    note: {
      name: 'note',
      title: 'A note',
      uri: 'notes://notes/{id}',
      template: true,
      variables: ['id'],
      schema: {
        type: 'object',
        properties: { id: { type: 'integer' }, title: { type: 'string' }, body: { type: 'string' } },
        required: ['id', 'title', 'body'],
      },
    },
    readme: { name: 'readme', uri: 'notes://readme', template: false, variables: [], mimeType: 'text/markdown' },
  },
  prompts: {
    summarize: {
      name: 'summarize',
      description: 'Summarize notes about a topic',
      argsSchema: { type: 'object', properties: { topic: { type: 'string', minLength: 2 } }, required: ['topic'] },
      arguments: [{ name: 'topic', required: true }],
    },
  },
};

export const handlers = {
  create_note: defineTool('create_note', async (input, ctx) => {
    const row = await ctx.db
      .insertInto('notes')
      .values({ title: input.title, body: input.body ?? '' })
      .returning(['id', 'title'])
      .executeTakeFirstOrThrow();
    ctx.log.info({ id: row.id }, 'note created');
    return row;
  }),
  echo: defineTool('echo', (input, ctx) => `${input.text} (as ${ctx.auth.subject})`),
  explode: defineTool('explode', async (input, ctx) => {
    if (input.mode === 'tool') throw new ToolError('Note 42 is locked; unlock it first', { data: { id: 42 } });
    if (input.mode === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return `slow done, aborted=${ctx.signal.aborted}`;
    }
    throw new Error('password=hunter2 at db.ts:12');
  }),
  bad_output: defineTool('bad_output', () => ({ id: 'not-a-number' }) as unknown as { id: number }),
  note: defineResource('note', {
    async read(params, ctx) {
      const row = await ctx.db.selectFrom('notes').selectAll().where('id', '=', Number(params.id)).executeTakeFirst();
      if (!row) throw new ToolError(`No note ${params.id}`);
      return row;
    },
    async list(ctx) {
      const rows = await ctx.db.selectFrom('notes').select(['id', 'title']).execute();
      return rows.map((r) => ({ uri: `notes://notes/${r.id}`, name: r.title }));
    },
    complete: {
      async id(value, ctx) {
        const rows = await ctx.db.selectFrom('notes').select('id').execute();
        return rows.map((r) => String(r.id)).filter((id) => id.startsWith(value));
      },
    },
  }),
  readme: defineResource('readme', { read: () => '# Notes\n' }),
  summarize: definePrompt('summarize', (args) => `Summarize my notes about ${args.topic}.`),
};

const v = (schema: object) => async () => ({ default: standaloneValidator(schema as Record<string, unknown>) });
const h = <T>(value: T) => async () => ({ default: value });

export function makeModules(overrides: Partial<Record<keyof typeof handlers, unknown>> = {}): ServerModules {
  const pick = (name: keyof typeof handlers) => h((name in overrides ? overrides[name] : handlers[name]) as never);
  const t = manifest.tools;
  return {
    tools: {
      create_note: { handler: pick('create_note'), validateInput: v(t.create_note!.inputSchema), validateOutput: v(t.create_note!.outputSchema!) },
      echo: { handler: pick('echo'), validateInput: v(t.echo!.inputSchema) },
      explode: { handler: pick('explode'), validateInput: v(t.explode!.inputSchema) },
      bad_output: { handler: pick('bad_output'), validateInput: v(t.bad_output!.inputSchema), validateOutput: v(t.bad_output!.outputSchema!) },
    },
    resources: {
      note: { handler: pick('note'), validate: v(manifest.resources.note!.schema!) },
      readme: { handler: pick('readme') },
    },
    prompts: { summarize: { handler: pick('summarize'), validateArgs: v(manifest.prompts.summarize!.argsSchema!) } },
  };
}

/** A migrations folder with the notes table, in a fresh temp dir. */
export function makeMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-migrations-'));
  writeFileSync(join(dir, '0001_notes.sql'), 'create table notes (id integer primary key autoincrement, title text not null, body text not null default \'\');\ncreate index notes_title on notes(title);\n');
  return dir;
}

export { sql };

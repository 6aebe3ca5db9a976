import { describe, expect, it } from 'vitest';
import { mergeHandler, exportedNames } from '../../../generators/shared/merge/merge-handler.js';

/** Exports of the generated types files after the generation under test. */
const EXPORTS: Record<string, string[]> = {
  'src/generated/types/create_note.ts': ['CreateNoteInput', 'CreateNoteOutput', 'Tag'],
  'src/generated/types/add_note.ts': ['AddNoteInput', 'AddNoteOutput'],
  'src/generated/types/list_notes.ts': ['ListNotesInput'],
};
const exportsOf = (file: string) => (EXPORTS[file] ? new Set(EXPORTS[file]) : undefined);
const merge = (name: string, text: string) => mergeHandler(`src/tools/${name}.ts`, text, { kind: 'tool', name, exportsOf });

const BODY = `  // my comment, kept
  const n = helper(input);
  return { id: String(n) } as never;
`;
const handler = (head: string, signature = 'async (input, ctx) =>') =>
  `${head}import { defineTool } from '../generated/registry.js';\nimport { helper } from '../lib/helper.js';\n\nexport default defineTool('create_note', ${signature} {\n${BODY}});\n\nfunction local() {\n  return 1;\n}\n`;

describe('mergeHandler', () => {
  it('leaves a handler without generated annotations alone', () => {
    expect(merge('create_note', handler(''))).toEqual({ status: 'unchanged' });
  });

  it('accepts explicit annotations that name the current types', () => {
    const text = handler("import type { CreateNoteInput, CreateNoteOutput } from '../generated/types/create_note.js';\n", 'async (input: CreateNoteInput, ctx): Promise<CreateNoteOutput> =>');
    expect(merge('create_note', text)).toEqual({ status: 'unchanged' });
  });

  it('renames: name literal, import path, type names in the signature; body byte-identical', () => {
    const text = handler("import type { CreateNoteInput, CreateNoteOutput } from '../generated/types/create_note.js';\n", 'async (input: CreateNoteInput, ctx): Promise<CreateNoteOutput> =>');
    const result = merge('add_note', text);
    expect(result.status).toBe('updated');
    if (result.status !== 'updated') return;
    expect(result.text).toContain("import type { AddNoteInput, AddNoteOutput } from '../generated/types/add_note.js';");
    expect(result.text).toContain("export default defineTool('add_note', async (input: AddNoteInput, ctx): Promise<AddNoteOutput> => {");
    expect(result.text).toContain(BODY);
    expect(result.text).toContain('function local() {\n  return 1;\n}\n');
    expect(result.changes.join()).toMatch(/name 'create_note' → 'add_note'/);
  });

  it('aliases a renamed type the body uses, so the body is not touched', () => {
    const text = handler("import type { CreateNoteInput } from '../generated/types/create_note.js';\n", 'async (input: CreateNoteInput, ctx) =>').replace(BODY, `  const copy: CreateNoteInput = input;\n${BODY}`);
    const result = merge('add_note', text);
    expect(result.status).toBe('updated');
    if (result.status !== 'updated') return;
    expect(result.text).toContain("import type { AddNoteInput as CreateNoteInput } from '../generated/types/add_note.js';");
    expect(result.text).toContain('async (input: CreateNoteInput, ctx) =>');
    expect(result.text).toContain('  const copy: CreateNoteInput = input;');
  });

  it('drops an annotation whose type is no longer generated (output schema removed)', () => {
    const text = handler("import type { ListNotesInput, ListNotesOutput } from '../generated/types/list_notes.js';\n", 'async (input: ListNotesInput, ctx): Promise<ListNotesOutput> =>').replace("'create_note'", "'list_notes'");
    const result = merge('list_notes', text);
    expect(result.status).toBe('updated');
    if (result.status !== 'updated') return;
    expect(result.text).toContain("import type { ListNotesInput } from '../generated/types/list_notes.js';");
    expect(result.text).toContain("defineTool('list_notes', async (input: ListNotesInput, ctx) => {");
  });

  it('reports a conflict when the body uses a type that is no longer generated', () => {
    const text = handler("import type { ListNotesOutput } from '../generated/types/list_notes.js';\n").replace("'create_note'", "'list_notes'").replace(BODY, `  const out: ListNotesOutput | undefined = undefined;\n${BODY}`);
    const result = merge('list_notes', text);
    expect(result).toMatchObject({ status: 'conflict', found: expect.stringMatching(/uses ListNotesOutput/) });
  });

  it.each([
    ['no default export', "import { defineTool } from '../generated/registry.js';\nexport const x = 1;\n", /no `export default`/],
    ['another call', "export default makeTool('create_note', async () => 'x');\n", /not a defineTool\(\.\.\.\) call/],
    ['a computed name', "const n = 'create_note';\nexport default defineTool(n, async () => 'x');\n", /not a string literal/],
    ['a handler reference', "export default defineTool('create_note', handler);\n", /not an arrow function/],
  ])('reports a conflict for %s, with the expected shape', (_, text, found) => {
    const result = merge('create_note', text);
    expect(result.status).toBe('conflict');
    if (result.status !== 'conflict') return;
    expect(result.found).toMatch(found);
    expect(result.expected).toMatch(/export default defineTool\('create_note', async \(input, ctx\) => \{ \.\.\. \}\)\s+\/\/ input: CreateNoteInput; returns CreateNoteOutput/);
  });

  it('follows `const handler = defineTool(...); export default handler`', () => {
    const text = "import { defineTool } from '../generated/registry.js';\nconst handler = defineTool('old', async () => { throw new Error('x'); });\nexport default handler;\n";
    const result = merge('create_note', text);
    expect(result.status).toBe('updated');
    if (result.status === 'updated') expect(result.text).toContain("defineTool('create_note', async () =>");
  });

  it('handles resources (the read function) and prompts', () => {
    const resource = "import type { NoteParams } from '../generated/types/resources/note.js';\nimport { defineResource } from '../generated/registry.js';\nexport default defineResource('note', {\n  async read(params: NoteParams, ctx) {\n    return params.id;\n  },\n});\n";
    const gone = mergeHandler('src/resources/memo.ts', resource, { kind: 'resource', name: 'memo', exportsOf: (f) => (f === 'src/generated/types/resources/memo.ts' ? new Set(['MemoParams']) : undefined) });
    expect(gone.status).toBe('updated');
    if (gone.status === 'updated') expect(gone.text).toContain("import type { MemoParams } from '../generated/types/resources/memo.js';\nimport { defineResource } from '../generated/registry.js';\nexport default defineResource('memo', {\n  async read(params: MemoParams, ctx) {");
    const prompt = "import { definePrompt } from '../generated/registry.js';\nexport default definePrompt('summarize', (args) => 'x');\n";
    expect(mergeHandler('src/prompts/summarize.ts', prompt, { kind: 'prompt', name: 'summarize', exportsOf: () => new Set(['SummarizeArgs']) })).toEqual({ status: 'unchanged' });
  });

  it('reads the exported names of a generated types file', () => {
    expect([...exportedNames('export interface A {}\nexport type B = string;\n/** x */\nexport type C = A;\nconst d = 1;\n')]).toEqual(['A', 'B', 'C']);
  });
});

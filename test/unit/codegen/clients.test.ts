import { describe, expect, it } from 'vitest';
import { generateProject } from '../../../generators/shared/codegen/index.js';
import { loadSpec, SpecError, SpecErrors } from '../../../generators/shared/spec/index.js';

const ROOT = '/virtual/clients';
const spec = (clients: string) => `name: shapes\nversion: 0.1.0\n${clients}tools:\n  hello:\n    description: Says hello.\n    input: { type: object, properties: { who: { type: string } } }\n`;
const load = (text: string) => loadSpec(`${ROOT}/mcpforge.yaml`, { files: new Map([[`${ROOT}/mcpforge.yaml`, text]]) });

describe('spec key clients.profile', () => {
  it('goes into the manifest when set', async () => {
    const { files } = await generateProject(await load(spec('clients:\n  profile: gemini\n')));
    expect(files.get('src/generated/manifest.ts')).toMatch(/clients: \{\s+profile: 'gemini',\s+\}/);
  });

  it('leaves the manifest as it was when absent', async () => {
    const { files } = await generateProject(await load(spec('')));
    expect(files.get('src/generated/manifest.ts')).not.toContain('clients:');
  });

  it('names the file, line and the allowed values for an unknown profile', async () => {
    const error = await load(spec('clients:\n  profile: emacs\n')).catch((e: unknown) => e);
    expect(error instanceof SpecError || error instanceof SpecErrors).toBe(true);
    const text = String((error as Error).message);
    expect(text).toContain('mcpforge.yaml:4:12');
    expect(text).toMatch(/clients\/profile/);
    expect(text).toContain('must be one of auto, full, claude, openai-strict, gemini, vscode, cursor, got "emacs"');
  });
});

describe('spec key discovery and the tool-count lint', () => {
  const many = (discovery: string) =>
    `name: big\nversion: 0.1.0\n${discovery}tools:\n${Array.from({ length: 61 }, (_, i) => `  t${i}:\n    description: Tool ${i}.\n    input: { type: object }\n`).join('')}`;

  it('suggests progressive discovery above 60 tools when the spec does not choose', async () => {
    const { warnings } = await generateProject(await load(many('')));
    expect(warnings.filter((w) => w.includes('[tool-count]'))).toHaveLength(1);
    expect(warnings.find((w) => w.includes('[tool-count]'))).toContain('61 tools');
    expect(warnings.find((w) => w.includes('[tool-count]'))).toContain('serves progressive discovery by default above 60 served tools');
  });

  it('is quiet once the spec chooses, and the manifest carries the choice', async () => {
    const { warnings, files } = await generateProject(await load(many('discovery:\n  mode: progressive\n  pinned: [t0]\n')));
    expect(warnings.filter((w) => w.includes('[tool-count]'))).toEqual([]);
    expect(files.get('src/generated/manifest.ts')).toMatch(/discovery: \{\s+mode: 'progressive',\s+pinned: \['t0'\],\s+\}/);
  });
});

describe('spec key tools.<name>.pagination', () => {
  const paged = (pagination: string, output = 'output: { type: object, properties: { items: { type: array, items: { type: integer } }, next: { type: [string, "null"] } }, required: [items] }') =>
    `name: pages\nversion: 0.1.0\ntools:\n  list:\n    description: Lists.\n    input: { type: object, properties: { cursor: { type: string }, n: { type: integer } } }\n    ${output}\n    pagination: ${pagination}\n`;
  const errorsOf = async (text: string): Promise<SpecError[]> => {
    const error = await load(text).catch((e: unknown) => e);
    if (error instanceof SpecErrors) return error.errors;
    if (error instanceof SpecError) return [error];
    throw new Error('loaded without errors');
  };

  it('goes into the manifest when its pointers resolve', async () => {
    const { files } = await generateProject(await load(paged('{ cursor: cursor, items: /items, nextCursor: /next }')));
    expect(files.get('src/generated/manifest.ts')).toMatch(/pagination: \{\s+cursor: 'cursor',\s+items: '\/items',\s+nextCursor: '\/next',\s+\}/);
  });

  it('names the JSON pointer that does not resolve, or is not an array or a string', async () => {
    const errors = await errorsOf(paged('{ cursor: page, items: /data, nextCursor: /items }'));
    const byPointer = Object.fromEntries(errors.map((e) => [e.pointer, e.detail]));
    expect(byPointer['/tools/list/pagination/cursor']).toContain('"page" is not a property of the input schema');
    expect(byPointer['/tools/list/pagination/items']).toContain('JSON pointer /data does not resolve in the output schema (no property "data")');
    expect(byPointer['/tools/list/pagination/nextCursor']).toContain('JSON pointer /items does not accept a string in the output schema');
  });

  it('needs an output schema and a string cursor input', async () => {
    const errors = await errorsOf(paged('{ cursor: n, items: /items, nextCursor: /next }', 'annotations: { readOnlyHint: true }'));
    expect(errors.map((e) => e.detail)).toEqual([expect.stringContaining('input property "n" does not accept a string'), expect.stringContaining('the tool has no output schema')]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, uriTemplateVariables, closestKey } from '../../../generators/shared/spec/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/specs');
const good = path.join(FIXTURES, 'good/mcpforge.yaml');

describe('loadSpec', () => {
  it('defaults version, layout and transports when a spec leaves them out', async () => {
    const spec = await loadSpec(path.join(FIXTURES, 'minimal/mcpforge.yaml'));
    expect(spec).toMatchObject({ name: 'minimal', version: '0.1.0', layout: 'dev', transports: ['stdio', 'http'] });
  });

  it('reads YAML, keeps spec order and applies defaults', async () => {
    const spec = await loadSpec(good);
    expect(spec).toMatchObject({ name: 'weather-server', version: '0.1.0', layout: 'dev', transports: ['stdio', 'http'], auth: { mode: 'none' } });
    expect(spec.tools.map((t) => t.name)).toEqual(['get_forecast', 'list_notes', 'add_tree']);
    expect(spec.tools[0]).toMatchObject({
      title: 'Get forecast',
      annotations: { readOnlyHint: true, openWorldHint: true },
      scopes: ['weather:read'],
      rateLimit: { perMinute: 60 },
      cache: { ttlSeconds: 300 },
      location: { file: good, line: 6, column: 3, pointer: '/tools/get_forecast' },
    });
    expect(spec.tools[1]).toMatchObject({ name: 'list_notes', task: 'optional' });
    expect(spec.tools[0]!.task).toBeUndefined();
    expect(spec.sourceFiles[0]).toBe(good);
    expect(spec.sourceFiles.map((f) => path.relative(FIXTURES, f))).toEqual([
      'good/mcpforge.yaml',
      'good/schemas/forecast.input.json',
      'good/schemas/common.json',
      'good/schemas/forecast.output.json',
      'good/schemas/tree.json',
      'good/schemas/node.json',
      'good/schemas/note.json',
    ]);
  });

  it('reads JSON specs and keeps explicit values', async () => {
    const spec = await loadSpec(path.join(FIXTURES, 'json/mcpforge.json'));
    expect(spec).toMatchObject({ name: 'json-server', layout: 'production', transports: ['http'], auth: { mode: 'apiKey' }, resources: [], prompts: [] });
    expect(spec.tools[0]!.input.schema).toEqual({ type: 'object', required: ['text'], properties: { text: { type: 'string' } } });
  });

  it('bundles a $ref into another file under $defs and records where it came from', async () => {
    const spec = await loadSpec(good);
    const input = spec.tools[0]!.input;
    expect(input.source).toBe(path.join(FIXTURES, 'good/schemas/forecast.input.json'));
    expect((input.schema.properties as Record<string, unknown>).units).toEqual({ $ref: '#/$defs/units' });
    expect(input.schema.$defs).toEqual({ units: { enum: ['metric', 'imperial'], default: 'metric' } });
    expect(input.bundled.units).toMatchObject({ file: path.join(FIXTURES, 'good/schemas/common.json'), pointer: '/$defs/units', line: 3 });
    expect(input.files.map((f) => path.basename(f))).toEqual(['forecast.input.json', 'common.json']);
  });

  it('keeps a recursive schema recursive through $defs (cycle across files)', async () => {
    const spec = await loadSpec(good);
    const tree = spec.tools.find((t) => t.name === 'add_tree')!.input.schema;
    expect(tree.properties).toEqual({ root: { $ref: '#/$defs/node' } });
    const node = (tree.$defs as Record<string, Record<string, unknown>>).node!;
    expect(node.$schema).toBeUndefined();
    expect(node.properties).toEqual({ label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } });
  });

  it('keeps local refs of an inline schema as written and names its source by pointer', async () => {
    const spec = await loadSpec(good);
    const input = spec.tools[1]!.input;
    expect(input.source).toBe(`${good}#/tools/list_notes/input`);
    expect(input.location).toMatchObject({ line: 19, pointer: '/tools/list_notes/input' });
    expect((input.schema.properties as Record<string, unknown>).tag).toEqual({ $ref: '#/$defs/tag' });
    expect(input.bundled).toEqual({});
  });

  it('copies a schema without $ref as the $ref walk does: same value, nothing shared with the document or another tool', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcpforge-copy-'));
    try {
      const schema = {
        type: 'object',
        properties: { a: { type: 'array', prefixItems: [{ type: 'string' }, { enum: [{ $ref: 'data, not a reference' }, null, 1] }] }, b: { default: { nested: [1, 2] }, examples: [[{ x: 1 }]] } },
        required: ['a'],
      };
      writeFileSync(path.join(dir, 'shared.json'), JSON.stringify(schema));
      writeFileSync(path.join(dir, 'mcpforge.yaml'), 'name: s\ntools:\n  one:\n    description: d\n    input: shared.json\n  two:\n    description: d\n    input: shared.json\n');
      const spec = await loadSpec(path.join(dir, 'mcpforge.yaml'));
      const [one, two] = spec.tools.map((t) => t.input.schema as typeof schema);
      expect(one).toEqual(schema);
      expect(JSON.stringify(one)).toBe(JSON.stringify(schema));
      expect(one).not.toBe(two);
      expect(one!.properties).not.toBe(two!.properties);
      expect(one!.properties.a.prefixItems).not.toBe(two!.properties.a.prefixItems);
      expect(one!.properties.b.default).not.toBe(two!.properties.b.default);
      one!.properties.b.default.nested.push(3);
      expect(two!.properties.b.default.nested).toEqual([1, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('detects the draft from $schema', async () => {
    const spec = await loadSpec(good);
    expect(spec.tools[0]!.input.draft).toBe('2020-12');
  });

  it('describes resources and prompts', async () => {
    const spec = await loadSpec(good);
    expect(spec.resources.map((r) => [r.name, r.template, r.variables])).toEqual([
      ['note', true, ['id']],
      ['readme', false, []],
    ]);
    expect(spec.prompts[0]!.arguments!.schema.required).toEqual(['noteId']);
    expect(spec.sources.get(good)).toContain('name: weather-server');
  });
});

describe('uriTemplateVariables', () => {
  it.each([
    ['notes://{id}', ['id']],
    ['docs://readme', []],
    ['files://{+path}{?q,lang}', ['path', 'q', 'lang']],
    ['x://{/seg*}/{id:3}/{id}', ['seg', 'id']],
  ])('%s', (uri, expected) => expect(uriTemplateVariables(uri)).toEqual(expected));
});

describe('closestKey', () => {
  it.each([
    ['descripton', ['title', 'description', 'input'], 'description'],
    ['ReadOnlyHint', ['readOnlyHint', 'openWorldHint'], 'readOnlyHint'],
    ['inptu', ['input', 'output'], 'input'],
    ['colour', ['name', 'version', 'tools'], undefined],
  ])('%s → %s', (unknown, known, expected) => expect(closestKey(unknown, known)).toBe(expected));
});

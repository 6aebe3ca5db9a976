import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arraysWithoutItems, estimateToolsListTokens, lintSpec, loadSpec, sanitiseName, type LoadedSpec } from '../../../generators/shared/spec/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/specs');

const load = () => loadSpec(path.join(FIXTURES, 'good/mcpforge.yaml'));

describe('lintSpec', () => {
  it('warns about arrays without items, with the schema file and line', async () => {
    const result = lintSpec(await load());
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      {
        severity: 'warning',
        rule: 'array-items',
        message: 'resource "note" schema: array at /properties/tags has no "items"',
        hint: expect.stringMatching(/^add `items:`/),
        location: { file: path.join(FIXTURES, 'good/schemas/note.json'), line: 7, column: 13, pointer: '/properties/tags' },
      },
    ]);
  });

  it('estimates tools/list tokens and warns past the budget', async () => {
    const spec = await load();
    const quiet = lintSpec(spec);
    expect(quiet.toolsListTokens).toBeGreaterThan(100);
    expect(quiet.toolsListTokens).toBeLessThan(1000);
    const loud = lintSpec(spec, { tokenBudget: 50 });
    expect(loud.warnings.find((w) => w.rule === 'tools-list-tokens')?.message).toBe(
      `tools/list costs about ${quiet.toolsListTokens.toLocaleString('en-US')} tokens (budget 50)`,
    );
  });

  it('derives the tools/list estimate from the per-tool entries as serialising the whole list does', async () => {
    // lintSpec serialises each tool once and adds up; estimateToolsListTokens serialises the list.
    const spec = await load();
    const a = spec.tools[0]!;
    const many = Array.from({ length: 37 }, (_, i) => ({ ...a, name: `t_${i}`, description: `näme ${'x'.repeat(i)} "q"\n` }));
    for (const tools of [[], [a], spec.tools, many]) {
      const variant: LoadedSpec = { ...spec, tools };
      expect(lintSpec(variant).toolsListTokens).toBe(estimateToolsListTokens(variant));
    }
  });

  it('rejects names that clients would normalise to the same name, and empty descriptions', async () => {
    const spec = await load();
    const a = spec.tools[1]!;
    const clashing: LoadedSpec = {
      ...spec,
      tools: [a, { ...a, name: 'List.Notes', description: '  ' }],
    };
    const result = lintSpec(clashing);
    expect(result.errors.map((e) => [e.rule, e.message])).toEqual([
      ['unique-name', 'tool names "list_notes" and "List.Notes" become the same ("list_notes") in clients that normalise names'],
      ['description', 'tool "List.Notes" has an empty description'],
    ]);
  });

  it('warns when the server-prefixed tool name passes 60 characters', async () => {
    const spec = await load();
    const long = 'x'.repeat(50);
    const result = lintSpec({ ...spec, tools: [{ ...spec.tools[1]!, name: long }] });
    expect(result.warnings.map((w) => w.rule)).toContain('name-length');
  });
});

describe('helpers', () => {
  it.each([
    ['get_forecast', 'get_forecast'],
    ['Get.Forecast', 'get_forecast'],
    ['a-b', 'a-b'],
  ])('sanitiseName(%s) = %s', (name, expected) => expect(sanitiseName(name)).toBe(expected));

  it('finds arrays without items anywhere, but not in data keywords', () => {
    expect(
      arraysWithoutItems({
        type: 'object',
        properties: { a: { type: 'array' }, b: { type: ['array', 'null'] }, c: { type: 'array', items: {} }, d: { type: 'array', prefixItems: [] } },
        default: { type: 'array' },
      }),
    ).toEqual(['/properties/a', '/properties/b']);
  });

  it('names each array by its escaped JSON pointer, in document order, through lists and nested arrays', () => {
    // The pointer is joined only for a hit (lint.ts): each segment must still be escaped and placed.
    expect(
      arraysWithoutItems({
        type: 'array',
        prefixItems: [{ type: 'array' }, { anyOf: [{ type: 'string' }, { type: ['null', 'array'] }] }],
        properties: { 'a/b~c': { type: 'array' }, 'x': { items: { type: 'array' }, type: 'array' } },
        $defs: { list: { type: 'array', examples: [{ type: 'array' }] } },
      }),
    ).toEqual(['/prefixItems/0', '/prefixItems/1/anyOf/1', '/properties/a~1b~0c', '/properties/x/items', '/$defs/list']);
    expect(arraysWithoutItems({ type: 'array' }, '/base')).toEqual(['/base']);
  });
});

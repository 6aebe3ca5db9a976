/**
 * An import hands the loader the values its schema files' JSON was made from (`fileData`), so the
 * loader does not parse 9.5 MB of JSON it has just written (GitHub). The value stands in for the
 * parse only when JSON gives it back exactly (`jsonFaithful`); otherwise the text is parsed.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../generators/shared/spec/index.js';
import { jsonFaithful } from '../../../generators/shared/spec/source-document.js';

describe('jsonFaithful', () => {
  const faithful: unknown[] = [
    null,
    'text with "quotes", \\ and \u2028',
    0,
    -1.5e300,
    true,
    [],
    [1, [2, [3, {}]], null],
    { a: { b: [{ c: 'd' }] }, '': 1, __proto__x: 2 },
    Object.assign(Object.create(null) as object, { k: 'v' }),
  ];
  it.each(faithful.map((value) => [JSON.stringify(value), value]))('accepts %s, which JSON gives back as it is', (_, value) => {
    expect(jsonFaithful(value)).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  });

  const unfaithful: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['an undefined property', { a: 1, b: undefined }],
    ['an undefined item', [1, undefined]],
    ['a hole', [1, , 3]],
    ['-0', { n: -0 }],
    ['NaN', [Number.NaN]],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['a Date', { when: new Date(0) }],
    ['a class instance', { at: new URL('https://example.com/') }],
    ['a function', { f: () => 1 }],
    ['a bigint', { n: 1n }],
    ['a deep undefined', { a: [{ b: [{ c: undefined }] }] }],
  ];
  it.each(unfaithful)('refuses %s', (_, value) => {
    expect(jsonFaithful(value)).toBe(false);
  });
});

describe('loadSpec with fileData', () => {
  const root = path.resolve('/virtual/project');
  const specPath = path.join(root, 'mcpforge.yaml');
  const schemaPath = path.join(root, 'schemas/echo.input.json');
  const spec = 'name: overlay\nversion: 0.1.0\ntools:\n  echo:\n    description: Echoes.\n    input: schemas/echo.input.json\n';
  const text = `${JSON.stringify({ type: 'object', properties: { message: { type: 'string', description: 'from the text' } } }, null, 2)}\n`;
  const files = new Map([
    [specPath, spec],
    [schemaPath, text],
  ]);

  it('takes a faithful value as the parse of its text', async () => {
    // Text and value differ here on purpose, to show which one the loader used (an import's never do).
    const data = { type: 'object', properties: { message: { type: 'string', description: 'from the data' } } };
    const loaded = await loadSpec(specPath, { files, fileData: new Map([[schemaPath, data]]) });
    expect(loaded.tools[0]!.input.schema).toMatchObject({ properties: { message: { description: 'from the data' } } });
    // Positions still come from the text (the schema is its root: line 1).
    expect(loaded.tools[0]!.input.location).toMatchObject({ file: schemaPath, line: 1 });
  });

  it('parses the text when the value is not what JSON would give back', async () => {
    const data = { type: 'object', properties: { message: { type: 'string', description: 'from the data', title: undefined } } };
    const loaded = await loadSpec(specPath, { files, fileData: new Map([[schemaPath, data]]) });
    expect(loaded.tools[0]!.input.schema).toMatchObject({ properties: { message: { description: 'from the text' } } });
  });

  it('checks a value as it checks a parse: a bad schema is reported at its place in the text', async () => {
    const bad = { type: 'object', properties: { message: { type: 'text' } } };
    const badText = `${JSON.stringify(bad, null, 2)}\n`;
    const error = await loadSpec(specPath, { files: new Map([...files, [schemaPath, badText]]), fileData: new Map([[schemaPath, bad]]) }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/echo\.input\.json:5:\d+/);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolContractCases } from '../../../generators/shared/codegen/contract-cases.js';
import { emitContractTests, literal } from '../../../generators/shared/codegen/emit-contract-tests.js';
import { typeNames } from '../../../generators/shared/codegen/naming.js';
import { sampleValue } from '../../../generators/shared/codegen/sample-values.js';
import { loadSpec } from '../../../generators/shared/spec/index.js';
import type { JsonSchemaObject, LoadedTool } from '../../../generators/shared/spec/types.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/specs');

function tool(input: JsonSchemaObject, extra: Partial<LoadedTool> = {}): LoadedTool {
  return {
    name: 't',
    description: 'd',
    input: { schema: input, draft: '2020-12', source: 'inline', location: { file: 'mcpforge.yaml', pointer: '/tools/t' }, files: [], bundled: {} },
    location: { file: 'mcpforge.yaml', pointer: '/tools/t' },
    ...extra,
  } as LoadedTool;
}

describe('sampleValue', () => {
  it.each<[string, JsonSchemaObject, unknown]>([
    ['examples first', { type: 'string', examples: ['Berlin'], default: 'x' }, 'Berlin'],
    ['then const', { const: 7 }, 7],
    ['then enum', { enum: ['b', 'a'] }, 'b'],
    ['then default', { type: 'integer', default: 3 }, 3],
    ['formats', { type: 'string', format: 'date-time' }, '2024-01-15T09:30:00Z'],
    ['minLength pads', { type: 'string', minLength: 20 }, 'example-valuexxxxxxx'],
    ['maxLength cuts', { type: 'string', maxLength: 3 }, 'exa'],
    ['a pattern picks a matching candidate', { type: 'string', pattern: '^[0-9]+$' }, '1'],
    ['minimum', { type: 'integer', minimum: 5 }, 5],
    ['exclusiveMaximum', { type: 'number', exclusiveMaximum: 0 }, -0.5],
    ['multipleOf', { type: 'integer', minimum: 1, multipleOf: 5 }, 5],
    ['nullable type takes the other type', { type: ['null', 'boolean'] }, true],
    ['oneOf takes the first branch', { oneOf: [{ type: 'integer' }, { type: 'string' }] }, 1],
    ['allOf merges', { allOf: [{ properties: { a: { type: 'integer' } }, required: ['a'] }, { properties: { b: { type: 'boolean' } }, required: ['b'] }] }, { a: 1, b: true }],
    ['arrays get one item of their items schema', { type: 'array', items: { type: 'string', format: 'email' } }, ['user@example.com']],
    ['minItems, uniqueItems', { type: 'array', items: { type: 'string' }, minItems: 2, uniqueItems: true }, ['example-item', 'example-item-1']],
  ])('%s', (_name, schema, expected) => {
    expect(sampleValue(schema)).toEqual(expected);
  });

  it('follows local $refs (bundled $defs) and stops on recursion', () => {
    const schema: JsonSchemaObject = {
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
      $defs: { node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['name'] } },
    };
    const full = sampleValue(schema) as { root: { name: string; children: unknown[] } };
    expect(full.root.name).toBe('example-name');
    expect(Array.isArray(full.root.children)).toBe(true);
    expect(sampleValue(schema, 'minimal')).toEqual({ root: { name: 'example-name' } });
  });

  it('is deterministic', () => {
    const schema: JsonSchemaObject = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'array', items: { type: 'number' } } } };
    expect(JSON.stringify(sampleValue(schema))).toBe(JSON.stringify(sampleValue(schema)));
  });
});

describe('toolContractCases', () => {
  const schema: JsonSchemaObject = {
    type: 'object',
    properties: { city: { type: 'string', minLength: 1 }, days: { type: 'integer', minimum: 1, maximum: 7, default: 3 }, tags: { type: 'array', items: { type: 'string' } } },
    required: ['city'],
    additionalProperties: false,
  };

  it('samples a full and a minimal valid input, and one invalid input per required field and per typed property', () => {
    const cases = toolContractCases(tool(schema));
    expect(cases.source).toBe('sampled');
    expect(cases.valid).toEqual([{ city: 'example-city', days: 3, tags: ['example-item'] }, { city: 'example-city' }]);
    expect(cases.invalid.map((c) => [c.pointer, c.why])).toEqual([
      ['/city', 'missing'],
      ['/city', 'integer instead of string'],
      ['/days', 'string instead of integer'],
      ['/tags', 'string instead of array'],
    ]);
    expect(cases.invalid[0]!.input).toEqual({ days: 3, tags: ['example-item'] });
  });

  it('prefers the schema`s valid `examples` and ignores invalid ones', () => {
    const cases = toolContractCases(tool({ ...schema, examples: [{ city: 'Berlin' }, { city: '' }] }));
    expect(cases.source).toBe('examples');
    expect(cases.valid).toEqual([{ city: 'Berlin' }]);
  });

  it('violates a type list with a type outside it', () => {
    const cases = toolContractCases(tool({ type: 'object', properties: { note: { type: ['string', 'null'] }, ratio: { type: 'number' } } }));
    expect(cases.invalid.map((c) => [c.pointer, c.why, c.input])).toEqual([
      ['/note', 'integer instead of string or null', { note: 42, ratio: 1 }],
      ['/ratio', 'string instead of number', { note: 'example-note', ratio: 'not a number' }],
    ]);
  });

  it('says why when no valid input can be built, instead of emitting a wrong one', () => {
    const cases = toolContractCases(tool({ type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{4}$' } }, required: ['code'] }));
    expect(cases.valid).toEqual([]);
    expect(cases.unsampleable).toMatch(/\/code must match pattern/);
  });

  it('marks open-world tools and tools with an output schema', () => {
    const cases = toolContractCases(tool(schema, { annotations: { openWorldHint: true } }));
    expect(cases.openWorld).toBe(true);
    expect(cases.hasOutput).toBe(false);
  });
});

describe('emitContractTests', () => {
  it('emits typed literals, one describe per tool, and the smoke test per transport', async () => {
    const spec = await loadSpec(path.join(FIXTURES, 'good/mcpforge.yaml'));
    const text = emitContractTests(spec, typeNames(spec));
    for (const t of spec.tools) expect(text).toContain(`describe(${JSON.stringify(t.name)}, () => {`);
    expect(text).toMatch(/const valid: GetForecastInput\[\] = /);
    expect(text).toContain("from '@mcpforge/runtime/testing'");
    expect(text).not.toMatch(/\bany\b/);
  });

  it('writes keys as identifiers where possible and never sets a prototype', () => {
    expect(literal({ a: 1, 'b-c': 'x', __proto__x: null })).toBe('{ a: 1, \'b-c\': "x", __proto__x: null }');
    expect(literal(JSON.parse('{"__proto__": 1}'))).toBe("{ ['__proto__']: 1 }");
  });

  it('writes nested lists and objects with one separator between items, empty ones included', () => {
    expect(literal([])).toBe('[]');
    expect(literal({})).toBe('{  }');
    expect(literal([1, [2, 'x'], { a: [], b: {} }, null, true])).toBe('[1, [2, "x"], { a: [], b: {  } }, null, true]');
    expect(literal({ 'a b': [{ c: -1.5 }], d: 'q"' })).toBe('{ \'a b\': [{ c: -1.5 }], d: "q\\"" }');
  });
});

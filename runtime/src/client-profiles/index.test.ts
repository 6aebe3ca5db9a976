import { describe, expect, it } from 'vitest';
import { CLIENT_PROFILE_NAMES, detectProfile, restoreArguments, shapeForProfile, shapeOutputForProfile, type JsonSchema } from './index.js';
import { compileValidator } from '../validation/index.js';

const tree: JsonSchema = {
  type: 'object',
  $defs: { node: { type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['value'] } },
  properties: { root: { $ref: '#/$defs/node' } },
  required: ['root'],
};

describe('client profiles: shaping', () => {
  it('full is the schema as written (same object)', () => {
    expect(shapeForProfile('full', tree).schema).toBe(tree);
  });

  it('claude lifts a top-level oneOf into one object whose description lists the forms', () => {
    const schema = { oneOf: [{ type: 'object', title: 'by id', properties: { id: { type: 'integer' } }, required: ['id'] }, { type: 'object', title: 'by name', properties: { name: { type: 'string' } }, required: ['name'] }] };
    const shaped = shapeForProfile('claude', schema).schema;
    expect(shaped.oneOf).toBeUndefined();
    expect(shaped.type).toBe('object');
    expect(Object.keys(shaped.properties as object)).toEqual(['id', 'name']);
    expect(shaped.required).toBeUndefined();
    expect(shaped.description).toContain('exactly one of these forms');
    expect(shaped.description).toContain('by id: give id');
  });

  it('openai-strict: closed objects, every property required, optional ones nullable and dropped again when null', () => {
    const schema = { type: 'object', properties: { q: { type: 'string', format: 'email' }, limit: { type: 'integer', minimum: 1 } }, required: ['q'] };
    const { schema: shaped, plan } = shapeForProfile('openai-strict', schema);
    expect(shaped).toMatchObject({ additionalProperties: false, required: ['q', 'limit'] });
    expect((shaped.properties as Record<string, JsonSchema>).limit).toMatchObject({ type: ['integer', 'null'], minimum: 1 });
    expect((shaped.properties as Record<string, JsonSchema>).q!.format).toBeUndefined();
    expect((shaped.properties as Record<string, JsonSchema>).q!.description).toContain('Format: email');
    expect(restoreArguments(plan, { q: 'a@b.c', limit: null })).toEqual({ q: 'a@b.c' });
  });

  it('keeps a property and an argument named __proto__ (JSON.parse makes it an own key)', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"enum":[1,2]},"q":{"type":"string"}},"required":["q"]}') as JsonSchema;
    for (const profile of ['openai-strict', 'gemini', 'claude'] as const) {
      const { schema: shaped, plan } = shapeForProfile(profile, schema);
      expect(Object.keys(shaped.properties as object), profile).toEqual(['__proto__', 'q']);
      expect(Object.getPrototypeOf(shaped.properties), profile).toBe(Object.prototype);
      const restored = restoreArguments(plan, JSON.parse(profile === 'gemini' ? '{"__proto__":"2","q":"a"}' : '{"__proto__":2,"q":"a"}'));
      expect(JSON.stringify(restored), profile).toBe('{"__proto__":2,"q":"a"}');
    }
  });

  it('inlines recursive references up to the cap and says so', () => {
    const { schema, changes } = shapeForProfile('vscode', tree);
    expect(JSON.stringify(schema)).not.toContain('$ref');
    expect(changes.some((c) => c.kind === 'recursion-cut')).toBe(true);
    expect(JSON.stringify(schema)).toContain('recursive node');
  });

  it('gemini: non-string enums become strings and come back, maps travel as JSON text', () => {
    const schema = { type: 'object', properties: { level: { enum: [1, 2, 3] }, labels: { type: 'object', additionalProperties: { type: 'string' } } } };
    const { schema: shaped, plan } = shapeForProfile('gemini', schema);
    const props = shaped.properties as Record<string, JsonSchema>;
    expect(props.level).toMatchObject({ type: 'string', enum: ['1', '2', '3'] });
    expect(props.labels!.type).toBe('string');
    expect(restoreArguments(plan, { level: '2', labels: '{"a":"b"}' })).toEqual({ level: 2, labels: { a: 'b' } });
  });

  it('cursor: anyOf [T, null] becomes T with a note', () => {
    const { schema } = shapeForProfile('cursor', { type: 'object', properties: { when: { anyOf: [{ type: 'string' }, { type: 'null' }] } } });
    const when = (schema.properties as Record<string, JsonSchema>).when!;
    expect(when.type).toBe('string');
    expect(when.anyOf).toBeUndefined();
    expect(when.description).toContain('May be null');
  });

  it('never modifies its input', () => {
    const copy = structuredClone(tree);
    for (const p of ['claude', 'openai-strict', 'gemini', 'vscode', 'cursor'] as const) shapeForProfile(p, tree);
    expect(tree).toEqual(copy);
  });
});

describe('client profiles: detection', () => {
  it.each([
    [{ name: 'claude-code', version: '2.0.1' }, 'claude'],
    [{ name: 'claude-ai' }, 'claude'],
    [{ name: 'Visual Studio Code', version: '1.105' }, 'vscode'],
    [{ name: 'cursor-vscode', version: '1.0' }, 'cursor'],
    [{ name: 'gemini-cli-mcp-client' }, 'gemini'],
    [{ name: 'codex-mcp-client' }, 'openai-strict'],
    [{ name: 'my-own-client' }, 'full'],
    [undefined, 'full'],
  ] as const)('%j → %s', (info, profile) => {
    expect(detectProfile(info)).toBe(profile);
  });
});

describe('output schemas per profile', () => {
  const output: JsonSchema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: { item: { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['id'] } },
    properties: { items: { type: 'array', items: { $ref: '#/$defs/item' } }, next: { anyOf: [{ type: 'string' }, { type: 'null' }] }, level: { enum: [1, 2] } },
    required: ['items'],
  };
  const values = [{ items: [] }, { items: [{ id: 1, tags: ['a'] }], next: null, level: 2 }, { items: [{ id: 2 }], next: 'x' }];

  it.each([...CLIENT_PROFILE_NAMES])('%s: never refuses a value the full schema takes; no $schema; refs inlined where the profile needs it', (profile) => {
    const shaped = shapeOutputForProfile(profile, output);
    if (profile === 'full') expect(shaped).toBe(output);
    else expect(shaped.$schema).toBeUndefined();
    if (profile === 'gemini' || profile === 'vscode') expect(JSON.stringify(shaped)).not.toContain('$ref');
    // Enums and nullables stay as written: the client validates real results against this schema.
    expect(JSON.stringify(shaped)).toContain('"enum":[1,2]');
    const validate = compileValidator(shaped as never);
    for (const v of values) expect(validate(v), `${profile} ${JSON.stringify(v)}`).toBe(true);
  });
});

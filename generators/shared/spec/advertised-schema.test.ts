import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { advertisedOutputSchema } from './advertised-schema.js';
import type { JsonSchemaObject } from './types.js';

const schema: JsonSchemaObject = {
  type: 'object',
  title: 'Issue',
  description: 'An issue.',
  properties: {
    // A property *named* like an annotation is data, not an annotation.
    description: { type: 'string', description: 'The body.', examples: ['text'] },
    title: { type: 'string', title: 'Title', maxLength: 5 },
    state: { enum: ['open', 'closed'], description: 'Open or closed.', default: 'open' },
    labels: { type: 'array', items: { $ref: '#/$defs/label' }, $comment: 'paged' },
    assignee: { anyOf: [{ $ref: '#/$defs/user' }, { type: 'null', description: 'Nobody.' }] },
  },
  required: ['description', 'state'],
  additionalProperties: false,
  $defs: {
    label: { type: 'object', description: 'A label.', properties: { name: { type: 'string', description: 'Its name.' } }, required: ['name'] },
    user: { type: 'object', title: 'User', properties: { login: { type: 'string', examples: ['octocat'] } }, required: ['login'] },
  },
};

describe('advertisedOutputSchema', () => {
  it('keeps a property named __proto__ an own property, annotations below the root dropped', () => {
    const withProto = JSON.parse('{"type":"object","description":"Root.","properties":{"__proto__":{"type":"string","description":"Data."},"b":{"type":"number"}}}') as JsonSchemaObject;
    const out = advertisedOutputSchema(withProto);
    const properties = out.properties as Record<string, unknown>;
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
    expect(Object.keys(properties)).toEqual(['__proto__', 'b']);
    expect(JSON.stringify(out)).toBe('{"type":"object","description":"Root.","properties":{"__proto__":{"type":"string"},"b":{"type":"number"}}}');
  });

  it('keeps annotations on the root only, and every rule and data value', () => {
    const out = advertisedOutputSchema(schema);
    expect(out.title).toBe('Issue');
    expect(out.description).toBe('An issue.');
    const text = JSON.stringify(out);
    for (const gone of ['The body.', 'Open or closed.', 'Nobody.', 'A label.', 'Its name.', '"octocat"', 'paged', '"User"', '"Title"']) expect(text).not.toContain(gone);
    expect(Object.keys(out.properties as object)).toEqual(['description', 'title', 'state', 'labels', 'assignee']);
    expect((out.properties as Record<string, JsonSchemaObject>).state).toEqual({ enum: ['open', 'closed'], default: 'open' });
    expect((out.properties as Record<string, JsonSchemaObject>).title).toEqual({ type: 'string', maxLength: 5 });
    expect(out.required).toEqual(['description', 'state']);
    expect((schema.$defs as Record<string, JsonSchemaObject>).label!.description, 'the input is not mutated').toBe('A label.');
  });

  it('accepts and refuses exactly what the full schema does', () => {
    const ajv = new Ajv2020({ strict: false });
    const full = ajv.compile(schema);
    const advertised = ajv.compile(advertisedOutputSchema(schema));
    const documents = [
      { description: 'x', state: 'open' },
      { description: 'x', state: 'merged' },
      { description: 'x', state: 'open', title: 'too long' },
      { description: 'x', state: 'open', labels: [{ name: 'bug' }, {}] },
      { description: 'x', state: 'closed', assignee: { login: 'a' } },
      { description: 'x', state: 'closed', assignee: {} },
      { description: 'x', state: 'closed', extra: 1 },
      { state: 'open' },
    ];
    const verdicts = documents.map((d) => [full(d), advertised(d)]);
    for (const [a, b] of verdicts) expect(b).toBe(a);
    expect(verdicts.filter(([a]) => a).length, 'some documents pass, some fail').toBeGreaterThan(0);
    expect(verdicts.filter(([a]) => !a).length).toBeGreaterThan(3);
  });

  it('full leaves the schema as written', () => {
    expect(advertisedOutputSchema(schema, 'full')).toBe(schema);
  });
});

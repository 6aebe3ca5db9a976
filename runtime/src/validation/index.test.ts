import { describe, expect, it } from 'vitest';
import { standaloneValidator } from '../testing/index.js';
import { acceptAllProvider, compileValidator, createValidatorProvider, formatValidationErrors, validateWith } from './index.js';

const schema = {
  type: 'object',
  properties: {
    title: { type: 'string', minLength: 1 },
    when: { type: 'string', format: 'date-time' },
    tags: { type: 'array', items: { type: 'string' } },
    'a/b': { type: 'integer' },
  },
  required: ['title'],
  additionalProperties: false,
};

describe('error formatting', () => {
  const validate = compileValidator(schema);
  const cases: Array<[string, unknown, string]> = [
    ['a rule on a field', { title: '' }, '/title must NOT have fewer than 1 characters'],
    ['a missing required property', {}, "/ must have required property 'title' (missing /title)"],
    ['an extra property', { title: 'x', extra: 1 }, "/ must NOT have additional properties: 'extra'"],
    ['a nested array item', { title: 'x', tags: ['ok', 3] }, '/tags/1 must be string'],
    ['a format (ajv-formats loaded)', { title: 'x', when: 'yesterday' }, '/when must match format "date-time"'],
    ['a key that needs escaping', { title: 'x', 'a/b': 'no' }, '/a~1b must be integer'],
  ];
  it.each(cases)('%s', (_label, data, expected) => {
    expect(validateWith(validate, data)).toEqual({ valid: false, message: expected });
  });

  it('joins several errors and accepts valid data', () => {
    expect(validateWith(validate, { title: '', tags: [1] }).message).toBe('/title must NOT have fewer than 1 characters; /tags/0 must be string');
    expect(validateWith(validate, { title: 'ok' })).toEqual({ valid: true, value: { title: 'ok' } });
    expect(formatValidationErrors(null)).toBe('value does not match its schema');
  });

  it('does not take Object.prototype members for present properties (ownProperties)', () => {
    const v = compileValidator({ type: 'object', required: ['constructor'] });
    expect(v({})).toBe(false);
  });
});

describe('validator provider', () => {
  it('hands out the precompiled validator for the exact schema object', () => {
    const calls: unknown[] = [];
    const precompiled = Object.assign((data: unknown) => (calls.push(data), false), {
      errors: [{ instancePath: '/x', schemaPath: '#', keyword: 'type', params: {}, message: 'must be fake' }],
    });
    const invalid: string[] = [];
    const provider = createValidatorProvider(new Map([[schema, precompiled]]), { onInvalid: (_s, m) => invalid.push(m) });
    const check = provider.getValidator(schema);
    expect(check({ a: 1 })).toEqual({ valid: false, data: undefined, errorMessage: '/x must be fake' });
    expect(calls).toEqual([{ a: 1 }]);
    expect(invalid).toEqual(['/x must be fake']);
  });

  it('refuses an unknown schema unless told to compile it', () => {
    const provider = createValidatorProvider(new Map());
    expect(() => provider.getValidator({ ...schema, title: 'Note' })).toThrow(/No precompiled validator for schema "Note".*mcpforge generate/);
    const compiling = createValidatorProvider(new Map(), { missing: 'compile' });
    expect(compiling.getValidator(schema)({ title: 'ok' }).valid).toBe(true);
    expect(compiling.getValidator(schema)({}).valid).toBe(false);
  });

  it('the accept-all provider accepts anything', () => {
    expect(acceptAllProvider.getValidator(schema)(42)).toEqual({ valid: true, data: 42, errorMessage: undefined });
  });

  it('standalone validators behave like run-time compiled ones', () => {
    const standalone = standaloneValidator(schema);
    for (const data of [{ title: 'a' }, { title: '' }, {}, { title: 'x', when: 'nope' }, { title: 'x', when: '2024-01-01T00:00:00Z' }]) {
      expect(validateWith(standalone, data)).toEqual(validateWith(compileValidator(schema), data));
    }
  });
});

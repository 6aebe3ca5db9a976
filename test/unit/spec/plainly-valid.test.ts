/**
 * plainly-valid.ts answers "passes the draft 2020-12 meta-schema" without ajv for plain schemas.
 * It must never say yes where the meta-schema says no (that schema's errors would go unreported):
 * checked against ajv on generated schemas mixing right and wrong values for every keyword.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ajvLibrary } from '../../../generators/shared/ajv.js';
import { plainlyValid } from '../../../generators/shared/spec/plainly-valid.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

const { Ajv2020 } = ajvLibrary();

// The options of the spec loader's meta-check (check-schema.ts).
const ajv = new Ajv2020({ strict: false, allErrors: true, addUsedSchema: false, validateFormats: false, logger: false });
const metaValid = (schema: unknown) => ajv.validateSchema(schema as object) as boolean;

const value = fc.oneof(
  fc.constantFrom('string', 'integer', 'object', 'nope', '', '^a+$', 'uri', 'https://json-schema.org/draft/2020-12/schema', 'http://json-schema.org/draft-07/schema#'),
  fc.constantFrom(0, 1, -1, 2.5, 1e300, -0),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom([], ['a'], ['a', 'a'], ['string', 'null'], ['string', 'string'], [1], [{}], [true]),
);
const keyword = fc.constantFrom(
  ...['$schema', '$ref', '$comment', '$defs', 'definitions', '$id', '$anchor', 'prefixItems', 'items', 'contains', 'additionalProperties', 'properties', 'patternProperties'],
  ...['dependentSchemas', 'propertyNames', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not', 'unevaluatedItems', 'unevaluatedProperties', 'type', 'const', 'enum'],
  ...['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains'],
  ...['minContains', 'maxProperties', 'minProperties', 'required', 'dependentRequired', 'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples'],
  ...['format', 'contentEncoding', 'contentMediaType', 'contentSchema', 'dependencies', 'x-extension', '__proto__'],
);
const schema: fc.Arbitrary<unknown> = fc.letrec<{ schema: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.boolean(),
    fc
      .array(fc.tuple(keyword, fc.oneof(value, tie('schema'), fc.array(tie('schema'), { maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(tie('schema'), value)))), { maxLength: 4 })
      .map((entries) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      }),
  ),
})).schema;

describe('plainlyValid', () => {
  it('never accepts a schema the draft 2020-12 meta-schema refuses', () => {
    let accepted = 0;
    fc.assert(
      fc.property(schema, (s) => {
        if (!plainlyValid(s)) return true;
        accepted++;
        return metaValid(s);
      }),
      { numRuns: Number(process.env.PLAINLY_VALID_RUNS ?? 10_000) },
    );
    // The property says something only if plain schemas are generated too.
    expect(accepted).toBeGreaterThan(200);
  });

  it('accepts the schemas of the examples, and refuses what the meta-schema refuses', () => {
    let plain = 0;
    for (const example of readdirSync(join(TOOLKIT_ROOT, 'examples'))) {
      let files: string[] = [];
      try {
        files = readdirSync(join(TOOLKIT_ROOT, 'examples', example, 'schemas')).filter((f) => f.endsWith('.json'));
      } catch {
        continue;
      }
      for (const file of files) {
        const s = JSON.parse(readFileSync(join(TOOLKIT_ROOT, 'examples', example, 'schemas', file), 'utf8')) as unknown;
        if (plainlyValid(s)) plain++;
        if (plainlyValid(s)) expect(metaValid(s), file).toBe(true);
      }
    }
    expect(plain).toBeGreaterThan(0);
    for (const bad of [{ type: 'strng' }, { required: ['a', 'a'] }, { minLength: -1 }, { properties: { a: { type: 1 } } }, { anyOf: [] }, { multipleOf: 0 }, { items: [{}] }]) {
      expect(plainlyValid(bad), JSON.stringify(bad)).toBe(false);
      expect(metaValid(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(plainlyValid({ type: 'object', properties: { q: { type: 'string', minLength: 1 } }, required: ['q'], additionalProperties: false })).toBe(true);
    // ajv throws for a `$schema` it does not know (no meta-schema to check against): not plain.
    expect(plainlyValid({ $schema: 'string', type: 'object' })).toBe(false);
    expect(() => metaValid({ $schema: 'string', type: 'object' })).toThrow();
    expect(plainlyValid({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' })).toBe(true);
    expect(metaValid({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' })).toBe(true);
  });
});

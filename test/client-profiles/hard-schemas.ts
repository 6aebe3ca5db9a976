/** Tool input schemas that every profile has to work around (test table for the matrix). */
export const HARD_SCHEMAS: Record<string, Record<string, unknown>> = {
  recursion: {
    type: 'object',
    $defs: { node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['name'] } },
    properties: { tree: { $ref: '#/$defs/node' } },
    required: ['tree'],
  },
  top_level_one_of: {
    type: 'object',
    oneOf: [
      { properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
      { properties: { slug: { type: 'string', minLength: 1 } }, required: ['slug'] },
    ],
  },
  top_level_all_of: {
    allOf: [
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      { type: 'object', properties: { b: { type: 'boolean' } } },
    ],
  },
  nested_unions: {
    type: 'object',
    properties: {
      target: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      shape: {
        oneOf: [
          { type: 'object', properties: { kind: { const: 'circle' }, r: { type: 'number' } }, required: ['kind', 'r'] },
          { type: 'object', properties: { kind: { const: 'square' }, side: { type: 'number' } }, required: ['kind', 'side'] },
        ],
      },
      list: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'boolean' }] } },
    },
    required: ['target'],
  },
  tuples: {
    type: 'object',
    properties: { point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], minItems: 2, maxItems: 2 } },
    required: ['point'],
  },
  pattern_properties: {
    type: 'object',
    properties: { headers: { type: 'object', patternProperties: { '^x-': { type: 'string' } }, additionalProperties: false } },
  },
  conditionals: {
    type: 'object',
    properties: { mode: { enum: ['a', 'b'] }, extra: { type: 'string' } },
    required: ['mode'],
    if: { properties: { mode: { const: 'b' } } },
    then: { required: ['extra'] },
  },
  nullable: {
    type: 'object',
    properties: {
      a: { type: ['string', 'null'] },
      b: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      c: { type: 'string', nullable: true },
      d: { type: 'integer' },
    },
    required: ['a'],
  },
  formats: {
    type: 'object',
    properties: {
      email: { type: 'string', format: 'email' },
      when: { type: 'string', format: 'date-time' },
      id: { type: 'string', format: 'uuid' },
      site: { type: 'string', format: 'uri' },
      count: { type: 'integer', format: 'int32' },
    },
  },
  enums_and_maps: {
    type: 'object',
    properties: {
      level: { enum: [1, 2, 3] },
      flag: { enum: [true, false, 'auto'] },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      anything: {},
      bag: { type: 'array' },
      fixed: { const: 42 },
    },
  },
};

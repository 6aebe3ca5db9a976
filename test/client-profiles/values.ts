/**
 * fast-check arbitraries of values for a JSON Schema (enough of it for the matrix: types, enum,
 * const, properties/required, items/prefixItems, unions, local $ref, common formats and bounds).
 * Values are candidates: the matrix keeps only those the full schema's validator accepts.
 */
import fc from 'fast-check';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

function resolve(root: Node, ref: string): unknown {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/').filter(Boolean)) node = isNode(node) ? node[decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return node ?? {};
}

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  email: fc.emailAddress(),
  'date-time': fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  date: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  uuid: fc.uuid(),
  uri: fc.webUrl(),
};

export function valueArbitrary(schema: unknown, root: Node, depth = 0): fc.Arbitrary<unknown> {
  if (!isNode(schema)) return fc.constant(null);
  if (typeof schema.$ref === 'string') return depth > 6 ? fc.constant({}) : valueArbitrary({ ...(resolve(root, schema.$ref) as Node), ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$ref')) }, root, depth + 1);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (Array.isArray(schema.allOf)) {
    const merged: Node = { ...schema, allOf: undefined };
    for (const b of schema.allOf as Node[]) {
      const branch = typeof b.$ref === 'string' ? (resolve(root, b.$ref) as Node) : b;
      Object.assign(merged, { ...branch, ...merged, properties: { ...(branch.properties as Node), ...(merged.properties as Node) }, required: [...((branch.required as string[]) ?? []), ...((merged.required as string[]) ?? [])] });
    }
    delete merged.allOf;
    return valueArbitrary(merged, root, depth + 1);
  }
  const union = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (Array.isArray(union) && union.length > 0) {
    const { oneOf: _o, anyOf: _a, ...base } = schema;
    return fc.oneof(...union.map((b) => valueArbitrary({ ...base, ...(isNode(b) ? b : {}), properties: { ...(base.properties as Node), ...((isNode(b) ? b.properties : undefined) as Node) }, required: [...((base.required as string[]) ?? []), ...(((isNode(b) ? b.required : undefined) as string[]) ?? [])] }, root, depth + 1)));
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : isNode(schema.properties) ? ['object'] : [];
  const options: fc.Arbitrary<unknown>[] = [];
  if (schema.nullable === true) options.push(fc.constant(null));
  for (const type of types) {
    if (type === 'null') options.push(fc.constant(null));
    if (type === 'boolean') options.push(fc.boolean());
    if (type === 'integer') options.push(fc.integer({ min: typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : -1000, max: typeof schema.maximum === 'number' ? Math.floor(schema.maximum) : 1000 }));
    if (type === 'number') options.push(fc.double({ min: typeof schema.minimum === 'number' ? schema.minimum : -1000, max: typeof schema.maximum === 'number' ? schema.maximum : 1000, noNaN: true, noDefaultInfinity: true }));
    if (type === 'string') {
      const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const max = Math.max(min, typeof schema.maxLength === 'number' ? schema.maxLength : 12);
      options.push(format ?? fc.string({ minLength: min, maxLength: max, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_ '.split('')) }));
    }
    if (type === 'array') {
      if (Array.isArray(schema.prefixItems)) options.push(fc.tuple(...(schema.prefixItems as unknown[]).map((s) => valueArbitrary(s, root, depth + 1))));
      else {
        const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
        options.push(fc.array(depth > 4 ? fc.constant(null) : valueArbitrary(schema.items ?? { type: 'string' }, root, depth + 1), { minLength: min, maxLength: Math.max(min, typeof schema.maxItems === 'number' ? Math.min(schema.maxItems, 3) : 3) }));
      }
    }
    if (type === 'object') options.push(objectArbitrary(schema, root, depth));
  }
  if (options.length === 0) return fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant({ k: 'v' }));
  return fc.oneof(...options);
}

function objectArbitrary(schema: Node, root: Node, depth: number): fc.Arbitrary<unknown> {
  const props = isNode(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(props)) {
    if (depth > 4 && !required.has(name)) continue;
    record[name] = valueArbitrary(sub, root, depth + 1);
  }
  const known = fc.record(record, { requiredKeys: [...required].filter((n) => n in record) });
  if (Object.keys(props).length === 0 && isNode(schema.additionalProperties)) {
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom(...'abcxyz'.split('')) }), valueArbitrary(schema.additionalProperties, root, depth + 1), { maxKeys: 2 });
  }
  return known;
}

/**
 * Deterministic sample values for JSON Schemas: the inputs of the generated contract tests.
 * Runs at generation time, so the tests carry plain literals and generated projects need no
 * sampling library. The schema's own `examples`, `const`, `enum` and `default` come first (they
 * say what the author means); otherwise a value is built from `type`, `format` and the bounds.
 * Covers what tool input schemas use in practice; anything it cannot satisfy (a `pattern` none of
 * its candidates match, `not`, `if`/`then`) is caught by the caller, which checks every sample
 * with ajv and says so in the generated test instead of emitting a wrong one.
 */
import type { JsonSchemaObject } from '../spec/types.js';
import { setOwn } from '../own-property.js';

type Schema = JsonSchemaObject;

/** `full`: every declared property; `minimal`: only the required ones (defaults apply to the rest). */
export type SampleMode = 'full' | 'minimal';

/** Deeper than this, optional properties are left out and required ones may not be satisfiable. */
const MAX_DEPTH = 8;

/** A value that should satisfy `schema` (its root holds the `$defs` local `$ref`s point to). */
export function sampleValue(schema: Schema, mode: SampleMode = 'full', root: Schema = schema): unknown {
  return sample(schema, mode, root, 0, 'value');
}

/** Up to `limit` whole-value examples the schema declares (`examples`, then `default`). */
export function declaredExamples(schema: Schema, limit = 3): unknown[] {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples.slice(0, limit);
  if ('default' in schema) return [schema.default];
  return [];
}

function sample(input: Schema, mode: SampleMode, root: Schema, depth: number, name: string): unknown {
  const schema = flatten(input, root, depth);
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  switch (typeOf(schema)) {
    case 'null':
      return null;
    case 'boolean':
      return true;
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'array':
      return sampleArray(schema, mode, root, depth);
    case 'object':
      return sampleObject(schema, mode, root, depth);
    default:
      return sampleString(schema, name);
  }
}

/**
 * Resolves a local `$ref` (the loader bundles every reference into `#/$defs/...`), merges `allOf`
 * and takes the first branch of `oneOf`/`anyOf`, so the rest only deals with plain keywords.
 */
function flatten(schema: Schema, root: Schema, depth: number): Schema {
  let out: Schema = { ...schema };
  if (typeof out.$ref === 'string' && depth <= MAX_DEPTH) {
    const { $ref, ...rest } = out;
    out = merge(flatten(resolvePointer(root, $ref as string), root, depth + 1), rest);
  }
  for (const keyword of ['allOf', 'oneOf', 'anyOf'] as const) {
    const branches = out[keyword];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const { [keyword]: _branches, ...rest } = out;
    out = rest;
    const chosen = keyword === 'allOf' ? (branches as Schema[]) : [branches[0] as Schema];
    for (const branch of chosen) out = merge(out, flatten(branch, root, depth + 1));
  }
  return out;
}

function merge(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a, ...b };
  if (isObject(a.properties) || isObject(b.properties)) out.properties = { ...(a.properties as Schema), ...(b.properties as Schema) };
  if (Array.isArray(a.required) || Array.isArray(b.required)) {
    out.required = [...new Set([...((a.required as string[]) ?? []), ...((b.required as string[]) ?? [])])];
  }
  return out;
}

function resolvePointer(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return isObject(node) ? (node as Schema) : {};
}

/** The one JSON type to build: the first declared non-null type, else what the keywords imply. */
export function typeOf(schema: Schema): string | undefined {
  const types = declaredTypes(schema);
  if (types.length > 0) return types.find((t) => t !== 'null') ?? types[0];
  if (isObject(schema.properties) || Array.isArray(schema.required)) return 'object';
  if (schema.items !== undefined || Array.isArray(schema.prefixItems)) return 'array';
  if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'].some((k) => k in schema)) return 'number';
  return undefined;
}

/** The `type` keyword as a list (empty when absent). */
export function declaredTypes(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return [];
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const step = integer ? 1 : 0.5;
  let low = num('minimum');
  const exclusiveLow = num('exclusiveMinimum');
  if (exclusiveLow !== undefined && (low === undefined || exclusiveLow >= low)) low = exclusiveLow + step;
  let high = num('maximum');
  const exclusiveHigh = num('exclusiveMaximum');
  if (exclusiveHigh !== undefined && (high === undefined || exclusiveHigh <= high)) high = exclusiveHigh - step;
  // 1 reads as "one of something" and satisfies the common `minimum: 1`.
  let value = 1;
  if (low !== undefined && value < low) value = low;
  if (high !== undefined && value > high) value = high;
  if (integer) value = Math.ceil(value) > (high ?? Infinity) ? Math.floor(value) : Math.ceil(value);
  const multipleOf = num('multipleOf');
  if (multipleOf !== undefined && multipleOf > 0) {
    const up = Math.ceil(value / multipleOf) * multipleOf;
    value = up > (high ?? Infinity) ? Math.floor(value / multipleOf) * multipleOf : up;
  }
  return value;
}

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2024-01-15T09:30:00Z',
  date: '2024-01-15',
  time: '09:30:00Z',
  duration: 'P1D',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  iri: 'https://example.com/',
  'iri-reference': 'https://example.com/',
  url: 'https://example.com/',
  'uri-template': 'https://example.com/{id}',
  uuid: '123e4567-e89b-42d3-a456-426614174000',
  'json-pointer': '/example',
  'relative-json-pointer': '0',
  regex: '^example$',
  byte: 'ZXhhbXBsZQ==',
};

/** Formats with a built-in sample (valid for ajv-formats). */
export const SAMPLED_FORMATS: ReadonlySet<string> = new Set(Object.keys(FORMAT_SAMPLES));

function sampleString(schema: Schema, name: string): string {
  const format = typeof schema.format === 'string' ? FORMAT_SAMPLES[schema.format] : undefined;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const fit = (text: string) => {
    let out = text;
    while ([...out].length < min) out += 'x';
    return [...out].slice(0, max).join('');
  };
  if (format !== undefined) return fit(format);
  const word = name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'value';
  const candidates = [`example-${word}`, 'example', word, 'a', '1', 'A', 'abc123'];
  if (typeof schema.pattern === 'string') {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, 'u');
    } catch {
      pattern = undefined;
    }
    const match = candidates.map(fit).find((c) => pattern?.test(c));
    if (match !== undefined) return match;
  }
  return fit(candidates[0]!);
}

function sampleArray(schema: Schema, mode: SampleMode, root: Schema, depth: number): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as Schema[]) : [];
  const out = prefix.map((item, i) => sample(item, mode, root, depth + 1, `item-${i}`));
  const items = isObject(schema.items) ? (schema.items as Schema) : undefined;
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  // One item shows the shape (none in minimal mode unless required); more only if minItems says so.
  const wanted = Math.max(min, mode === 'full' && depth < MAX_DEPTH ? prefix.length + 1 : prefix.length);
  if (items) {
    for (let i = out.length; i < wanted; i++) {
      const value = sample(items, mode, root, depth + 1, 'item');
      out.push(schema.uniqueItems === true && typeof value === 'string' && i > 0 ? `${value}-${i}` : value);
    }
  }
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  return out.slice(0, max);
}

function sampleObject(schema: Schema, mode: SampleMode, root: Schema, depth: number): Record<string, unknown> {
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    const wanted = required.has(key) || (mode === 'full' && depth < MAX_DEPTH);
    if (wanted && isObject(property)) setOwn(out, key, sample(property, mode, root, depth + 1, key));
  }
  // Required but not declared under `properties`: anything goes unless additionalProperties says.
  for (const key of required) {
    if (Object.hasOwn(out, key)) continue;
    const extra = schema.additionalProperties;
    setOwn(out, key, isObject(extra) ? sample(extra as Schema, mode, root, depth + 1, key) : sampleString({}, key));
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

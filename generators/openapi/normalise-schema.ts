/**
 * OpenAPI Schema Objects → JSON Schema 2020-12, one small transform per construct (the
 * openapi-typescript way), so ajv, json-schema-to-typescript and MCP clients all read the result
 * the same way. What each transform does and why:
 *
 * - `nullable` (3.0): `type: T` → `type: [T, 'null']` (and `null` added to an `enum`); without a
 *   `type` (a `$ref`, `allOf`, ...) → `anyOf: [<schema>, { type: 'null' }]`. ajv throws on a bare
 *   `nullable` (DESIGN §9), and it means nothing to JSON Schema.
 * - `example` → `examples: [example]`; boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0) → the
 *   numeric 2020-12 form.
 * - `oneOf` → `anyOf`: OpenAPI descriptions rarely make branches mutually exclusive (an object
 *   matching two shapes would be refused by `oneOf`); the branches, and a `discriminator` next to
 *   them, stay as they are.
 * - `$ref: '#/components/schemas/X'` → `<refBase>#/$defs/X` (the components file); `discriminator`
 *   mapping values are rewritten the same way so they name real definitions.
 * - `x-*` extensions are dropped (they only cost `tools/list` tokens), except `x-sensitive`.
 * - `readOnly` / `writeOnly` are handled where schemas are used (see variants.ts): read-only
 *   properties leave inputs, write-only properties leave outputs.
 */
import type { JsonSchemaObject } from '../shared/spec/types.js';
import { setOwn } from '../shared/own-property.js';

export interface NormaliseContext {
  /** '3.0' applies the 3.0-only rewrites (nullable, boolean exclusive bounds). */
  version: '3.0' | '3.1';
  /** Turns an OpenAPI `$ref` into the JSON Schema `$ref` to write (throws on unsupported refs). */
  ref(ref: string, at: string): string;
  /**
   * Records a construct relaxed or dropped because it cannot be compiled (degrade per construct,
   * never per document): `at` is its JSON pointer, `what` says what is no longer enforced.
   */
  degrade?(at: string, what: string): void;
  /** The OpenAPI `$ref` of the component declaring `$dynamicAnchor: name`, if any. */
  dynamicAnchor?(name: string): string | undefined;
  /** A description as the tool carries it (describe.ts); undefined drops it. Absent: as written. */
  describe?(text: string): string | undefined;
}

const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAYS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

export function normaliseSchema(schema: unknown, ctx: NormaliseContext, at: string): unknown {
  if (typeof schema === 'boolean') return schema;
  if (!isObject(schema)) return schema;
  const out: JsonSchemaObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') && key !== 'x-sensitive') continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = ctx.ref(value, `${at}/$ref`);
    // `$dynamicRef` recursion: bound to the component declaring the anchor (a plain `$ref`: the
    // same shapes unless a schema extends the anchor dynamically, which imports rarely do).
    else if (key === '$dynamicRef' && typeof value === 'string') {
      const target = value.startsWith('#') ? ctx.dynamicAnchor?.(value.slice(1)) : undefined;
      if (target) out.$ref = ctx.ref(target, `${at}/$dynamicRef`);
      else ctx.degrade?.(`${at}/$dynamicRef`, `$dynamicRef ${JSON.stringify(value)} has no matching $dynamicAnchor: that part accepts any value`);
    } else if (key === '$dynamicAnchor') continue;
    else if (key === 'pattern' && typeof value === 'string') {
      const pattern = unicodePattern(value);
      if (pattern !== undefined) out.pattern = pattern;
      else ctx.degrade?.(`${at}/pattern`, `pattern ${JSON.stringify(value.slice(0, 80))} is not a valid JavaScript (unicode) regular expression: not checked`);
    } else if (key === 'patternProperties' && isObject(value)) {
      const map: JsonSchemaObject = {};
      for (const [name, sub] of Object.entries(value)) {
        const pattern = unicodePattern(name);
        if (pattern !== undefined) setOwn(map, pattern, normaliseSchema(sub, ctx, `${at}/${key}/${escape(name)}`));
        else ctx.degrade?.(`${at}/${key}/${escape(name)}`, `patternProperties key ${JSON.stringify(name.slice(0, 80))} is not a valid JavaScript (unicode) regular expression: those properties are not checked`);
      }
      out[key] = map;
    }
    // An example that is a Reference Object (`$ref` to components/examples) is not data: tools that
    // dereference every `$ref` (json-schema-to-typescript) would chase it. Dropped.
    else if (key === 'example') {
      if (!containsRef(value)) out.examples ??= [structuredClone(value)];
    } else if (key === 'examples' && Array.isArray(value)) {
      if (!containsRef(value)) out.examples = structuredClone(value);
    }
    else if (key === 'nullable') continue;
    else if (key === 'description' && typeof value === 'string' && ctx.describe) {
      const text = ctx.describe(value);
      if (text) out.description = text;
    }
    else if (key === 'discriminator') out.discriminator = discriminator(value, ctx, `${at}/discriminator`);
    else if (DATA_KEYWORDS.has(key)) out[key] = structuredClone(value);
    else if (SCHEMA_MAPS.has(key) && isObject(value)) {
      const map: JsonSchemaObject = {};
      for (const [name, sub] of Object.entries(value)) setOwn(map, name, normaliseSchema(sub, ctx, `${at}/${key}/${escape(name)}`));
      out[key] = map;
    } else if (SCHEMA_ARRAYS.has(key) && Array.isArray(value)) {
      const list = value.map((sub, i) => normaliseSchema(sub, ctx, `${at}/${key}/${i}`));
      if (key === 'oneOf' && Array.isArray(schema.anyOf)) out.allOf = [...((out.allOf as unknown[]) ?? []), { anyOf: list }];
      else if (key === 'allOf' && out.allOf) out.allOf = [...list, ...(out.allOf as unknown[])];
      else out[key === 'oneOf' ? 'anyOf' : key] = list;
    } else if (isObject(value) || typeof value === 'boolean') {
      // items, additionalProperties, not, if/then/else, contains, propertyNames, ...
      setOwn(out, key, key === 'required' ? value : normaliseSchema(value, ctx, `${at}/${key}`));
    } else setOwn(out, key, structuredClone(value));
  }
  // Boolean bounds are draft-04 (3.0, or a 3.1 document declaring a draft-04 dialect): the
  // numeric 2020-12 form whatever the version, since a boolean there would not compile.
  exclusiveBounds(out, schema);
  // `nullable` is 3.0 only, but 3.1 documents converted by tools still carry it: same meaning.
  if (schema.nullable === true) return nullable(out);
  return out;
}

/**
 * `pattern` as ajv compiles it (with the `u` flag), or undefined when it cannot be. Patterns
 * written for other engines often escape punctuation needlessly (`\:`, `\_`, `\@`), which the
 * `u` flag forbids: those escapes are removed (same meaning). `\-` is kept (legal in a class).
 */
export function unicodePattern(pattern: string): string | undefined {
  if (validUnicode(pattern)) return pattern;
  const translated = pattern.replace(/\\([\s\S])/g, (whole, c: string) => (/[!"#%&',:;<=>@_`~]/.test(c) ? c : whole));
  return validUnicode(translated) ? translated : undefined;
}

function validUnicode(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function nullable(out: JsonSchemaObject): JsonSchemaObject {
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  if (Array.isArray(out.type)) {
    if (!out.type.includes('null')) out.type = [...out.type, 'null'];
    return out;
  }
  const keys = Object.keys(out);
  // A schema that constrains nothing already allows null.
  if (!keys.some((k) => !['description', 'title', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly'].includes(k))) return out;
  const { description, title, examples, default: def, deprecated, readOnly, writeOnly, ...rest } = out;
  return stripUndefined({ description, title, examples, default: def, deprecated, readOnly, writeOnly, anyOf: [rest, { type: 'null' }] });
}

function exclusiveBounds(out: JsonSchemaObject, source: JsonSchemaObject): void {
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof source[flag] !== 'boolean') continue;
    if (source[flag] === true && typeof source[bound] === 'number') {
      out[flag] = source[bound];
      delete out[bound];
    } else delete out[flag];
  }
}

function discriminator(value: unknown, ctx: NormaliseContext, at: string): unknown {
  if (!isObject(value) || !isObject(value.mapping)) return structuredClone(value);
  const mapping: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value.mapping)) {
    setOwn(mapping, k, typeof v === 'string' && v.startsWith('#/') ? ctx.ref(v, `${at}/mapping/${escape(k)}`) : v);
  }
  return { ...value, mapping };
}

function stripUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}

function containsRef(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsRef);
  if (!isObject(value)) return false;
  return '$ref' in value || Object.values(value).some(containsRef);
}

export function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

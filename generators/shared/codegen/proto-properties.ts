import { setOwn } from '../own-property.js';
import { ONE_SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS } from '../spec/schema-annotations.js';

const PROTO_PATTERN = '^__proto__$';

/**
 * ajv skips a property named `__proto__` under `properties` (code.ts, allSchemaProperties: a
 * guard for its own generated code), so its schema would go unchecked, and under
 * `additionalProperties: false` the property would even be refused. `patternProperties` walks the
 * data's own keys instead, `__proto__` included: the same rule, written the way ajv checks it.
 * Only the schema ajv compiles is rewritten; types and `tools/list` keep `properties`.
 */
export function protoPropertiesAsPatterns(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map(protoPropertiesAsPatterns);
  const node = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (SUBSCHEMA_MAPS.has(key) && isMap(value)) {
      const map: Record<string, unknown> = {};
      for (const name of Object.keys(value)) setOwn(map, name, protoPropertiesAsPatterns(value[name]));
      setOwn(out, key, map);
    } else if (ONE_SUBSCHEMA.has(key) || (SUBSCHEMA_LISTS.has(key) && Array.isArray(value))) setOwn(out, key, protoPropertiesAsPatterns(value));
    else setOwn(out, key, value);
  }
  const properties = out.properties;
  if (isMap(properties) && Object.hasOwn(properties, '__proto__')) {
    const { ['__proto__']: rule, ...rest } = properties;
    const patterns = isMap(out.patternProperties) ? { ...out.patternProperties } : {};
    patterns[PROTO_PATTERN] = Object.hasOwn(patterns, PROTO_PATTERN) ? { allOf: [patterns[PROTO_PATTERN], rule] } : rule;
    out.properties = rest;
    out.patternProperties = patterns;
  }
  return out;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The schema to hand ajv: `schema` itself unless its JSON text (`json`, already made for the cache
 * key) has a `__proto__` key, so that no other schema is walked.
 */
export function schemaForAjv(schema: Record<string, unknown>, json: string): Record<string, unknown> {
  return json.includes('"__proto__":') ? (protoPropertiesAsPatterns(schema) as Record<string, unknown>) : schema;
}

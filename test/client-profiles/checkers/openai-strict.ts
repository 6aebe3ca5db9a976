/**
 * OpenAI Structured Outputs / strict function calling, from the provider's "supported schemas"
 * rules: root is an object (not anyOf); every object lists `properties`, has
 * `additionalProperties: false` and requires every property; types are string, number, integer,
 * boolean, object, array, null (a list of them allowed) or an anyOf; the keywords are limited
 * (no allOf/oneOf/not/if/patternProperties/min-max length...); formats from a fixed list.
 */
import { eachNode, typesOf, type Node } from './walk.js';

const ALLOWED = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', 'enum', 'const', 'description', 'title', '$defs', '$ref', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

export function checkOpenAiStrict(schema: Node): string[] {
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push('/: root type must be "object"');
  if ('anyOf' in schema) problems.push('/: root must not be anyOf');
  eachNode(schema, (node, at) => {
    const p = at || '/';
    for (const key of Object.keys(node)) if (!ALLOWED.has(key)) problems.push(`${p}: keyword ${key} not supported`);
    const types = typesOf(node);
    if (types.length === 0 && !Array.isArray(node.anyOf) && typeof node.$ref !== 'string') problems.push(`${p}: no type`);
    for (const t of types) if (!TYPES.has(t)) problems.push(`${p}: type ${t}`);
    if (types.includes('object')) {
      const props = node.properties;
      if (typeof props !== 'object' || props === null) problems.push(`${p}: object without properties`);
      if (node.additionalProperties !== false) problems.push(`${p}: additionalProperties must be false`);
      const names = Object.keys((props as Node | undefined) ?? {});
      const required = Array.isArray(node.required) ? (node.required as string[]) : [];
      for (const n of names) if (!required.includes(n)) problems.push(`${p}: property ${n} not required`);
    }
    if (types.includes('array') && (typeof node.items !== 'object' || Array.isArray(node.items))) problems.push(`${p}: array needs one items schema`);
    if (typeof node.format === 'string' && !FORMATS.has(node.format)) problems.push(`${p}: format ${node.format}`);
  });
  return problems;
}

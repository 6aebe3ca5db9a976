/**
 * Gemini function declarations (`parameters`: a subset of the OpenAPI 3.0 schema object): one
 * type per node from STRING, NUMBER, INTEGER, BOOLEAN, ARRAY, OBJECT (nullable via `nullable`),
 * only the listed fields, string-only enums, objects with non-empty properties, arrays with one
 * items schema and no anyOf inside items, formats: date-time/enum for strings, int32/int64,
 * float/double. No $ref, $defs, additionalProperties, oneOf, allOf, const. A function without
 * parameters may leave `parameters` unset: an empty root object is that case.
 */
import { eachNode, type Node } from './walk.js';

const ALLOWED = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
const FORMATS: Record<string, string[]> = { string: ['date-time', 'enum'], integer: ['int32', 'int64'], number: ['float', 'double'] };

export function checkGemini(schema: Node): string[] {
  const problems: string[] = [];
  eachNode(schema, (node, at, parentKey) => {
    const p = at || '/';
    for (const key of Object.keys(node)) if (!ALLOWED.has(key)) problems.push(`${p}: field ${key} not in the Gemini schema`);
    const type = node.type;
    if (type === undefined) {
      if (!Array.isArray(node.anyOf)) problems.push(`${p}: no type`);
    } else if (typeof type !== 'string' || !TYPES.has(type)) problems.push(`${p}: type ${JSON.stringify(type)}`);
    if (Array.isArray(node.enum)) {
      if (type !== 'string') problems.push(`${p}: enum needs type string`);
      if (node.enum.some((v) => typeof v !== 'string')) problems.push(`${p}: non-string enum value`);
    }
    // A function without parameters may leave them out, which an empty root object stands for.
    if (type === 'object' && at !== '' && !(typeof node.properties === 'object' && node.properties !== null && Object.keys(node.properties).length > 0)) problems.push(`${p}: object without properties`);
    if (type === 'array' && (typeof node.items !== 'object' || node.items === null || Array.isArray(node.items))) problems.push(`${p}: array needs one items schema`);
    if (parentKey === 'items' && Array.isArray(node.anyOf)) problems.push(`${p}: anyOf inside items`);
    if (typeof node.format === 'string' && !(FORMATS[String(type)] ?? []).includes(node.format)) problems.push(`${p}: format ${node.format} for ${String(type)}`);
  });
  return problems;
}

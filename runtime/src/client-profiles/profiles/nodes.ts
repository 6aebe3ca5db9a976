/** Small predicates over schema nodes that several profiles' `jsonText` rules share. */
import type { JsonSchema } from '../types.js';

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

export function nonNullTypes(node: JsonSchema): string[] {
  const raw = node.type;
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return list.filter((t) => t !== 'null');
}

/** No type, no union, no enumeration: any JSON value. */
export function isUntyped(node: JsonSchema): boolean {
  return nonNullTypes(node).length === 0 && !Array.isArray(node.anyOf) && !Array.isArray(node.oneOf) && !Array.isArray(node.enum) && !('const' in node) && !isObject(node.properties);
}

/** An object whose keys are not listed (a map, or any object). */
export function isFreeFormObject(node: JsonSchema): boolean {
  const types = nonNullTypes(node);
  const objectish = types.includes('object') || (types.length === 0 && ('additionalProperties' in node || 'patternProperties' in node));
  return objectish && !(isObject(node.properties) && Object.keys(node.properties).length > 0);
}

export function isTuple(node: JsonSchema): boolean {
  return Array.isArray(node.prefixItems) || Array.isArray(node.items);
}

export function isArrayWithoutItems(node: JsonSchema): boolean {
  return nonNullTypes(node).includes('array') && node.items === undefined && node.prefixItems === undefined;
}

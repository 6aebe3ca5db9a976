import { setOwn } from '../own-property.js';

/**
 * Rewrites the annotation keywords (description, title, examples, $comment) of a JSON Schema and
 * of every subschema in it, leaving rules and data alone: a property *named* `description`, or a
 * `description` key inside an `enum`/`default`/`examples` value, is not an annotation.
 */
export const ANNOTATION_KEYWORDS: ReadonlySet<string> = new Set(['description', 'title', 'examples', '$comment']);
/** Keywords whose value is one subschema (or, for draft-04 `items`, a list of them). */
export const ONE_SUBSCHEMA: ReadonlySet<string> = new Set(['items', 'additionalItems', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
/** Keywords whose value is a list of subschemas. */
export const SUBSCHEMA_LISTS: ReadonlySet<string> = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Keywords whose value maps names to subschemas. */
export const SUBSCHEMA_MAPS: ReadonlySet<string> = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** Returns the annotation's new value, or undefined to drop it. */
export type AnnotationRewrite = (keyword: string, value: unknown, root: boolean) => unknown;

export function rewriteAnnotations<T>(schema: T, rewrite: AnnotationRewrite): T {
  return walk(schema, rewrite, true) as T;
}

function walk(schema: unknown, rewrite: AnnotationRewrite, root: boolean): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const node = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Plain loops over the keys: run for every node of every output schema twice a generation
  // (lint's token estimate and the manifest), the entries arrays were most of its cost.
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (ANNOTATION_KEYWORDS.has(key)) {
      const next = rewrite(key, value, root);
      if (next !== undefined) out[key] = next;
    } else if (ONE_SUBSCHEMA.has(key)) out[key] = Array.isArray(value) ? value.map((s) => walk(s, rewrite, false)) : walk(value, rewrite, false);
    else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map((s) => walk(s, rewrite, false));
    else if (SUBSCHEMA_MAPS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const map = value as Record<string, unknown>;
      const named: Record<string, unknown> = {};
      for (const name of Object.keys(map)) setOwn(named, name, walk(map[name], rewrite, false));
      out[key] = named;
    } else setOwn(out, key, value);
  }
  return out;
}

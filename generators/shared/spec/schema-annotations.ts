/**
 * Rewrites the annotation keywords (description, title, examples, $comment) of a JSON Schema and
 * of every subschema in it, leaving rules and data alone: a property *named* `description`, or a
 * `description` key inside an `enum`/`default`/`examples` value, is not an annotation.
 */
export const ANNOTATION_KEYWORDS: ReadonlySet<string> = new Set(['description', 'title', 'examples', '$comment']);
/** Keywords whose value is one subschema (or, for draft-04 `items`, a list of them). */
const ONE = new Set(['items', 'additionalItems', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
/** Keywords whose value is a list of subschemas. */
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Keywords whose value maps names to subschemas. */
const MAP = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** Returns the annotation's new value, or undefined to drop it. */
export type AnnotationRewrite = (keyword: string, value: unknown, root: boolean) => unknown;

export function rewriteAnnotations<T>(schema: T, rewrite: AnnotationRewrite): T {
  return walk(schema, rewrite, true) as T;
}

function walk(schema: unknown, rewrite: AnnotationRewrite, root: boolean): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (ANNOTATION_KEYWORDS.has(key)) {
      const next = rewrite(key, value, root);
      if (next !== undefined) out[key] = next;
    } else if (ONE.has(key)) out[key] = Array.isArray(value) ? value.map((s) => walk(s, rewrite, false)) : walk(value, rewrite, false);
    else if (LIST.has(key) && Array.isArray(value)) out[key] = value.map((s) => walk(s, rewrite, false));
    else if (MAP.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, walk(s, rewrite, false)]));
    } else out[key] = value;
  }
  return out;
}

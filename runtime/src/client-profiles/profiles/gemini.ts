/**
 * `gemini`: Gemini CLI and the Gemini API's function declarations, which take a subset of the
 * OpenAPI 3.0 schema object: one `type` per node (`nullable: true` for null), string-only `enum`,
 * no `$ref`/`$defs`, no `additionalProperties`, no `oneOf`/`allOf`, no tuples, `anyOf` but not
 * inside array `items`, few formats, and objects must list their properties. Anything else
 * travels as JSON text (restored before validation). Sources: docs/clients.md.
 */
import type { JsonSchema, ProfileRules } from '../types.js';
import { isArrayWithoutItems, isFreeFormObject, isTuple, isUntyped, nonNullTypes } from './nodes.js';

const KEYWORDS = new Set(['minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minProperties', 'maxProperties']);

export const gemini: ProfileRules = {
  name: 'gemini',
  label: 'Gemini CLI, Gemini API function declarations',
  maxNameLength: 64,
  inlineRefs: true,
  liftTopLevelUnion: true,
  strict: false,
  oneOfAsAnyOf: true,
  mergeAllOf: true,
  nullable: 'keyword',
  stringEnums: true,
  keywords: KEYWORDS,
  formats: { string: new Set(['date-time', 'enum']), integer: new Set(['int32', 'int64']), number: new Set(['float', 'double']) },
  arrayItems: true,
  jsonText(node: JsonSchema, where) {
    if (isUntyped(node)) return 'untyped value';
    if (nonNullTypes(node).length > 1) return 'value of several types';
    if (isFreeFormObject(node)) return 'object without listed properties';
    if (isTuple(node)) return 'tuple';
    if (isArrayWithoutItems(node)) return 'array of any values';
    if (where.inItems && (Array.isArray(node.anyOf) || Array.isArray(node.oneOf))) return 'union inside array items';
    return undefined;
  },
};

/**
 * `openai-strict`: OpenAI function calling with `strict: true` (Codex, ChatGPT connectors, the
 * Agents SDK with strict schemas). Structured Outputs take a subset of JSON Schema: every object
 * has `additionalProperties: false` and lists every property in `required` (optional properties
 * become nullable), the root is an object and not a union, no `oneOf`/`allOf`/`not`/conditionals/
 * `patternProperties`, and a small set of constraint keywords. Formats move into the description
 * (their support has changed between model versions). Sources: docs/clients.md.
 */
import type { JsonSchema, ProfileRules } from '../types.js';
import { isArrayWithoutItems, isFreeFormObject, isTuple, isUntyped } from './nodes.js';

const KEYWORDS = new Set([
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);

export const openaiStrict: ProfileRules = {
  name: 'openai-strict',
  label: 'OpenAI strict function calling (Codex, ChatGPT, Agents SDK)',
  maxNameLength: 64,
  inlineRefs: true,
  liftTopLevelUnion: true,
  strict: true,
  oneOfAsAnyOf: true,
  mergeAllOf: true,
  nullable: 'type-array',
  stringEnums: false,
  keywords: KEYWORDS,
  formats: {},
  arrayItems: true,
  jsonText(node: JsonSchema) {
    if (isUntyped(node)) return 'untyped value';
    if (isFreeFormObject(node)) return 'object without listed properties';
    if (isTuple(node)) return 'tuple';
    if (isArrayWithoutItems(node)) return 'array of any values';
    return undefined;
  },
};

/**
 * Anthropic Messages API tool `input_schema` (what Claude Code, Claude Desktop and claude.ai send):
 * the root is `type: object`, and `oneOf`/`anyOf`/`allOf` at the top level are rejected
 * ("input_schema does not support oneOf, allOf, or anyOf at the top level").
 */
import type { Node } from './walk.js';

export function checkClaude(schema: Node): string[] {
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push('/: root type must be "object"');
  for (const key of ['oneOf', 'anyOf', 'allOf']) if (key in schema) problems.push(`/: ${key} at the top level`);
  return problems;
}

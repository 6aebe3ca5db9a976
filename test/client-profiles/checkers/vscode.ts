/**
 * VS Code (GitHub Copilot): no `$dynamicRef` (not resolved), every array has `items`, and no
 * top-level union (Claude models behind Copilot reject it). The 128-tool cap is a list check.
 */
import { eachNode, typesOf, type Node } from './walk.js';

export const VSCODE_MAX_TOOLS = 128;

export function checkVsCode(schema: Node): string[] {
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push('/: root type must be "object"');
  for (const key of ['oneOf', 'anyOf', 'allOf']) if (key in schema) problems.push(`/: ${key} at the top level`);
  eachNode(schema, (node, at) => {
    if ('$dynamicRef' in node) problems.push(`${at || '/'}: $dynamicRef`);
    if (typesOf(node).includes('array') && node.items === undefined && node.prefixItems === undefined) problems.push(`${at || '/'}: array without items`);
  });
  return problems;
}

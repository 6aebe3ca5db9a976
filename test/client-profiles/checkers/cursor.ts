/**
 * Cursor: `anyOf [T, {type: null}]` is rejected; no top-level union; the first 40 tools only and
 * server + tool name within 60 characters (list checks).
 */
import { eachNode, isNode, type Node } from './walk.js';

export const CURSOR_MAX_TOOLS = 40;

export function checkCursor(schema: Node): string[] {
  const problems: string[] = [];
  if (schema.type !== 'object') problems.push('/: root type must be "object"');
  for (const key of ['oneOf', 'anyOf', 'allOf']) if (key in schema) problems.push(`/: ${key} at the top level`);
  eachNode(schema, (node, at) => {
    for (const key of ['anyOf', 'oneOf']) {
      const branches = node[key];
      if (Array.isArray(branches) && branches.some((b) => isNode(b) && b.type === 'null')) problems.push(`${at || '/'}: ${key} with a null branch`);
    }
  });
  return problems;
}

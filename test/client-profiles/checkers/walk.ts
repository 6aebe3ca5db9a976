/**
 * Walks every subschema of a shaped schema with its JSON pointer. Test code, written apart from
 * the runtime's transform: the checkers must not share its logic.
 */
export type Node = Record<string, unknown>;
export const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const ONE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'additionalItems', 'unevaluatedItems', 'unevaluatedProperties'];
const LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

export function eachNode(root: unknown, visit: (node: Node, pointer: string, parentKey: string | undefined) => void): void {
  const go = (node: unknown, pointer: string, parentKey: string | undefined) => {
    if (!isNode(node)) return;
    visit(node, pointer, parentKey);
    for (const key of ONE) if (isNode(node[key])) go(node[key], `${pointer}/${key}`, key);
    if (Array.isArray(node.items)) (node.items as unknown[]).forEach((s, i) => go(s, `${pointer}/items/${i}`, 'items'));
    for (const key of LIST) if (Array.isArray(node[key])) (node[key] as unknown[]).forEach((s, i) => go(s, `${pointer}/${key}/${i}`, key));
    for (const key of MAP) if (isNode(node[key])) for (const [k, s] of Object.entries(node[key] as Node)) go(s, `${pointer}/${key}/${k}`, key);
  };
  go(root, '', undefined);
}

export const typesOf = (node: Node): string[] => (Array.isArray(node.type) ? (node.type as string[]) : typeof node.type === 'string' ? [node.type] : []);

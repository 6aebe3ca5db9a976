/**
 * `tools.<name>.pagination`: checked at generate time so the runtime can page an over-budget result
 * without guessing. `cursor` is a top-level input property the model passes back; `items` and
 * `nextCursor` are JSON pointers into the output: the array the runtime slices into pages and the
 * string where it writes the cursor of the next page. A page must still pass the output schema, so
 * `items` must be an array and `nextCursor` must accept a string.
 */
import { SpecError } from './errors.js';
import { joinPointer } from './source-document.js';
import type { LoadedSchema, SpecLocation } from './types.js';

export interface ToolPagination {
  cursor: string;
  items: string;
  nextCursor: string;
}

type Node = Record<string, unknown>;

function decode(pointer: string): string[] {
  return pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Follows local `$ref`s (`#/...`) of the bundled schema. */
function deref(root: Node, node: Node, seen = 0): Node {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#') || seen > 16) return node;
  let target: unknown = root;
  for (const token of decode(ref.slice(1))) target = (target as Node | undefined)?.[token];
  return typeof target === 'object' && target !== null ? deref(root, target as Node, seen + 1) : node;
}

/** The schema of the value at `pointer` (through `properties`), or the token it could not follow. */
function schemaAt(root: Node, pointer: string): { schema: Node } | { missing: string } {
  let node = deref(root, root);
  for (const token of decode(pointer)) {
    const next = (node.properties as Node | undefined)?.[token];
    if (typeof next !== 'object' || next === null) return { missing: token };
    node = deref(root, next as Node);
  }
  return { schema: node };
}

const typesOf = (schema: Node): string[] | undefined => (typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? (schema.type as string[]) : undefined);
const accepts = (schema: Node, type: string) => {
  const types = typesOf(schema);
  return types === undefined || types.includes(type);
};

export function checkPagination(tool: string, pagination: ToolPagination, input: LoadedSchema, output: LoadedSchema | undefined, location: (pointer: string) => SpecLocation): SpecError[] {
  const at = joinPointer(joinPointer('/tools', tool), 'pagination');
  const fail = (key: string, message: string, hint: string) => new SpecError({ ...location(joinPointer(at, key)), message: `tool "${tool}" pagination.${key}: ${message}`, hint });
  const errors: SpecError[] = [];
  const inputRoot = input.schema as Node;
  const cursorSchema = (deref(inputRoot, inputRoot).properties as Node | undefined)?.[pagination.cursor];
  if (typeof cursorSchema !== 'object' || cursorSchema === null) errors.push(fail('cursor', `"${pagination.cursor}" is not a property of the input schema`, 'name the top-level input property that takes the cursor of the next page'));
  else if (!accepts(deref(inputRoot, cursorSchema as Node), 'string')) errors.push(fail('cursor', `input property "${pagination.cursor}" does not accept a string`, 'the cursor the server hands out is a string: type the property as a string'));
  if (!output) {
    errors.push(fail('items', 'the tool has no output schema', 'add `output:` with the array of items and the next-cursor property; pages are structured results'));
    return errors;
  }
  const outputRoot = output.schema as Node;
  for (const key of ['items', 'nextCursor'] as const) {
    const pointer = pagination[key];
    if (!pointer.startsWith('/')) {
      errors.push(fail(key, `"${pointer}" is not a JSON pointer into the output`, `write it as a JSON pointer, e.g. "/${pointer}"`));
      continue;
    }
    const found = schemaAt(outputRoot, pointer);
    if ('missing' in found) {
      errors.push(fail(key, `JSON pointer ${pointer} does not resolve in the output schema (no property "${found.missing}")`, 'point at a property declared under `properties` of the output schema'));
      continue;
    }
    if (key === 'items' && !(typesOf(found.schema)?.includes('array') ?? false)) errors.push(fail(key, `JSON pointer ${pointer} is not an array in the output schema`, 'point at the array of items the result lists'));
    if (key === 'nextCursor' && !accepts(found.schema, 'string')) errors.push(fail(key, `JSON pointer ${pointer} does not accept a string in the output schema`, 'type it as a string (or [string, "null"]): the server writes the next page\'s cursor there'));
  }
  return errors;
}

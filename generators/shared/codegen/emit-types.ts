import { createRequire } from 'node:module';
import type { JsonSchemaObject, LoadedSchema } from '../spec/types.js';
import { wellFormed } from './escape.js';
import { setOwn } from '../own-property.js';

const WRAPPER = 'McpforgeTypesRoot';
const require = createRequire(import.meta.url);

/**
 * TypeScript declarations for one or more root schemas that share a module (a tool's input and
 * output). They are compiled in ONE json-schema-to-typescript call under a wrapper schema, so that
 * titled or `$defs` sub-schemas with the same name in both get distinct names from the compiler
 * instead of colliding in the file. Each root's `title` is replaced by the name we want, and the
 * wrapper declaration is dropped afterwards.
 */
export async function emitTypes(roots: Array<{ name: string; schema: Pick<LoadedSchema, 'schema'> }>): Promise<string> {
  if (roots.length === 0) return '';
  const properties: Record<string, unknown> = {};
  for (const root of roots) properties[root.name] = asRoot(root.schema, root.name);
  const wrapper = {
    type: 'object',
    title: WRAPPER,
    additionalProperties: false,
    required: roots.map((r) => r.name),
    properties,
  };
  // Loaded on first use: with its dependencies it costs ~0.2 s of start-up, which a regeneration
  // that reuses every type module (or hands the changed ones to a warm worker) never needs.
  // `require`d, being CommonJS: an ESM import scans its source for export names first (~10 ms).
  const { compile } = require('json-schema-to-typescript') as typeof import('json-schema-to-typescript');
  const code = await compile(wrapper as never, WRAPPER, {
    bannerComment: '',
    format: false,
    unknownAny: true,
    // The schema's own `additionalProperties` (default: allowed) decides the index signature.
    additionalProperties: true,
    // Everything is bundled already: never touch the network or the disk.
    $refOptions: { resolve: { external: false } } as never,
    declareExternallyReferenced: true,
    enableConstEnums: false,
    strictIndexSignatures: false,
    // Arrays stay `T[]`: expanding `maxItems: 20` into a union of 21 tuples is unreadable and slow
    // to type-check; the validator enforces the bound.
    maxItems: -1,
  });
  const out = stripWrapper(code).trim() + '\n';
  // The names the registry imports must be the names this module exports (pascalCase is a fixed
  // point of the compiler's naming): fail here, naming the type, rather than in the user's tsc.
  for (const root of roots) {
    if (!declaresExport(out, root.name)) {
      throw new Error(`internal: the type emitter did not export ${root.name} (a naming mismatch); please report it with the schema`);
    }
  }
  return out;
}

/**
 * Whether a line of `code` starts with `export interface <name>` or `export type <name>`, the name
 * ending there: what `/^export (?:interface|type) <name>\b/m` matches. Searched with `indexOf`:
 * each such RegExp is new (one per type name, 2,446 in the GitHub import), so V8 runs it in its
 * regexp interpreter over the whole module, a character at a time: ~0.14 s of the import's CPU.
 */
export function declaresExport(code: string, name: string): boolean {
  for (const needle of [`export interface ${name}`, `export type ${name}`]) {
    for (let at = code.indexOf(needle); at !== -1; at = code.indexOf(needle, at + 1)) {
      if (at > 0 && !LINE_BREAK.test(code[at - 1]!)) continue;
      const end = at + needle.length;
      // `\b` after the name: a word character on exactly one side of the end.
      if (isWordChar(code[end - 1]) !== isWordChar(code[end])) return true;
    }
  }
  return false;
}

/** The characters after which a multiline `^` matches. */
const LINE_BREAK = /[\n\r\u2028\u2029]/;
const isWordChar = (c: string | undefined) => c !== undefined && /\w/.test(c);

/** Declarations a type file exports for a resource whose URI template has these variables. */
export function emitParamsType(name: string, variables: string[]): string {
  if (variables.length === 0) return `/** A static resource: no URI template variables. */\nexport type ${name} = Record<never, never>;\n`;
  const members = variables.map((v) => `  ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(v) ? v : JSON.stringify(v)}: string;`).join('\n');
  return `/** Values of the URI template variables. */\nexport type ${name} = {\n${members}\n};\n`;
}

/**
 * A copy of the schema ready to sit under the wrapper: titled with the wanted type name, local
 * refs re-pointed from the schema's root to its place in the wrapper, and `$id`/`$schema`
 * removed (an `$id` would re-base those refs).
 */
function asRoot(loaded: Pick<LoadedSchema, 'schema'>, name: string): JsonSchemaObject {
  const prefix = `#/properties/${name}`;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [rawKey, value] of Object.entries(node)) {
      // A lone surrogate in a property name cannot be URI-encoded by the compiler's $ref parser:
      // its type member is named with U+FFFD instead (the validator still checks the real key).
      const key = wellFormed(rawKey);
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#')) out[key] = prefix + value.slice(1);
      else if (key === 'const' || key === 'enum' || key === 'default' || key === 'examples') out[key] = value;
      else setOwn(out, key, rewrite(value));
    }
    return out;
  };
  const { $id: _id, $schema: _schema, title: _title, ...rest } = rewrite(loaded.schema) as JsonSchemaObject;
  return { title: name, ...rest };
}

function stripWrapper(code: string): string {
  return code.replace(new RegExp(`(?:/\\*\\*[\\s\\S]*?\\*/\\n)?export interface ${WRAPPER} \\{[\\s\\S]*?\\n\\}\\n?`), '');
}

/**
 * What a user-owned handler file is for: the three kinds of spec entries, the `define*` call each
 * one's file makes, where its generated types live and the names of its root types.
 */
import { pascalCase } from '../codegen/naming.js';

export type EntryKind = 'tool' | 'resource' | 'prompt';

export const ENTRY_KINDS: readonly EntryKind[] = ['tool', 'resource', 'prompt'];

/** The function a handler file of each kind default-exports a call to. */
export const DEFINE_FUNCTION: Record<EntryKind, string> = { tool: 'defineTool', resource: 'defineResource', prompt: 'definePrompt' };

/** Folder of a kind's handler files (project-relative). */
export const HANDLER_DIR: Record<EntryKind, string> = { tool: 'src/tools', resource: 'src/resources', prompt: 'src/prompts' };

/** Spec section of each kind. */
export const SECTION: Record<EntryKind, 'tools' | 'resources' | 'prompts'> = { tool: 'tools', resource: 'resources', prompt: 'prompts' };

/** Root type roles per kind, in the order their names are derived (`<Pascal><Suffix>`). */
export const ROLES: Record<EntryKind, readonly string[]> = {
  tool: ['Input', 'Output'],
  resource: ['Params', 'Data'],
  prompt: ['Args'],
};

/** The import specifier a handler file uses for its entry's generated types. */
export function typesModule(kind: EntryKind, name: string): string {
  if (kind === 'tool') return `../generated/types/${name}.js`;
  if (kind === 'resource') return `../generated/types/resources/${name}.js`;
  return `../generated/types/prompts/${name}.js`;
}

/** Project-relative path of the generated file behind a `../generated/...js` import of a handler. */
export function generatedFileOf(specifier: string): string | undefined {
  const match = /^\.\.\/generated\/(types\/.+)\.js$/.exec(specifier);
  return match ? `src/generated/${match[1]}.ts` : undefined;
}

/** `create_note` + `Input` → `CreateNoteInput`. */
export function rootTypeName(name: string, role: string): string {
  return pascalCase(name) + role;
}

export function handlerPath(kind: EntryKind, name: string): string {
  return `${HANDLER_DIR[kind]}/${name}.ts`;
}

/** Names a file may be called by: the spec's own rule, and never `.`/`..`. */
export function isEntryName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) && !/^\.+$/.test(name);
}

/** The shape a handler must have, for conflict messages and docs. */
export function expectedShape(kind: EntryKind, name: string, roots: Record<string, string | undefined>): string {
  const q = `'${name}'`;
  if (kind === 'tool') {
    const returns = roots.Output ? `returns ${roots.Output}` : 'returns a string or a CallToolResult';
    return `export default defineTool(${q}, async (input, ctx) => { ... })   // input: ${roots.Input}; ${returns}`;
  }
  if (kind === 'resource') {
    const returns = roots.Data ? `returns ${roots.Data}` : 'returns a string or a ReadResourceResult';
    return `export default defineResource(${q}, { read: async (params, ctx) => { ... } })   // params: ${roots.Params}; ${returns}`;
  }
  return `export default definePrompt(${q}, async (args, ctx) => { ... })   // args: ${roots.Args}`;
}

/** Names a generated types file exports (`export interface X`, `export type X`, ...). */
export function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^export (?:declare )?(?:type|interface|const|enum|class|function) ([A-Za-z_$][\w$]*)/gm)) names.add(match[1]!);
  return names;
}

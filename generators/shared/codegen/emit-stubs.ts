import type { LoadedPrompt, LoadedResource, LoadedTool } from '../spec/types.js';
import { lineComment, stringLiteral } from './escape.js';
import type { TypeNames } from './naming.js';

/*
 * User-owned handler files, written once when missing. A stub compiles and, when called, answers
 * with a tool error instead of crashing the server, so a freshly generated project runs at once.
 */

const quote = stringLiteral;

export function emitToolStub(tool: LoadedTool, names: TypeNames): string {
  const n = names.tools.get(tool.name)!;
  const file = `src/tools/${tool.name}.ts`;
  const returns = tool.output ? `return a ${n.output} (sent as structuredContent)` : 'return a string or a CallToolResult';
  return [
    "import { ToolError } from '@mcpforge/runtime';",
    "import { defineTool } from '../generated/registry.js';",
    '',
    `export default defineTool(${quote(tool.name)}, async (input, ctx) => {`,
    `  // input: ${n.input} (already validated); ${returns}.`,
    '  // ctx has db (Kysely), cache, log, auth, signal and progress().',
    `  throw new ToolError(${quote(`not implemented yet: edit ${file}`)});`,
    '});',
    '',
  ].join('\n');
}

export function emitResourceStub(resource: LoadedResource, names: TypeNames): string {
  const n = names.resources.get(resource.name)!;
  const file = `src/resources/${resource.name}.ts`;
  const params = resource.variables.length ? `${n.params} ({ ${lineComment(resource.variables.join(', '))} })` : `${n.params} (a static URI: no variables)`;
  const returns = resource.schema ? `return a ${n.data} (served as JSON)` : 'return a string or a ReadResourceResult';
  return [
    "import { ToolError } from '@mcpforge/runtime';",
    "import { defineResource } from '../generated/registry.js';",
    '',
    `export default defineResource(${quote(resource.name)}, {`,
    '  read: async (params, ctx) => {',
    `    // params: ${params}; ${returns}. ctx.uri is the URI that was read.`,
    `    throw new ToolError(${quote(`not implemented yet: edit ${file}`)});`,
    '  },',
    '});',
    '',
  ].join('\n');
}

export function emitPromptStub(prompt: LoadedPrompt, names: TypeNames): string {
  const n = names.prompts.get(prompt.name)!;
  const file = `src/prompts/${prompt.name}.ts`;
  return [
    "import { ToolError } from '@mcpforge/runtime';",
    "import { definePrompt } from '../generated/registry.js';",
    '',
    `export default definePrompt(${quote(prompt.name)}, async (args, ctx) => {`,
    `  // args: ${n.args}; return a string (one user message) or a GetPromptResult.`,
    `  throw new ToolError(${quote(`not implemented yet: edit ${file}`)});`,
    '});',
    '',
  ].join('\n');
}

export function emitDatabaseStub(): string {
  return [
    '/**',
    ' * Your Kysely table types: one property per table, e.g.',
    ' *   notes: { id: Generated<number>; text: string; created_at: string };',
    ' * Handlers get a typed `ctx.db` from it. Migrations live in migrations/*.sql.',
    ' */',
    'export interface Database {}',
    '',
  ].join('\n');
}

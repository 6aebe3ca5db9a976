import type { LoadedSpec } from '../spec/types.js';
import type { RetiredEntry } from './emit-retired.js';
import { stringLiteral } from './escape.js';
import { propertyKey, type TypeNames } from './naming.js';

/**
 * `src/generated/registry.ts`: the project's type maps and the typed `define*` functions handlers
 * call. The maps are type aliases, not interfaces: only aliases get the implicit index signature
 * that `ToolTypeMap = Record<string, ...>` constraints require.
 */
export function emitRegistry(spec: LoadedSpec, names: TypeNames, retired: RetiredEntry[] = []): string {
  const imports: string[] = [];
  const importFrom = (what: string[], from: string) => imports.push(`import type { ${what.join(', ')} } from '${from}';`);

  const tools = spec.tools.map((t) => {
    const n = names.tools.get(t.name)!;
    importFrom(t.output ? [n.input, n.output] : [n.input], `./types/${t.name}.js`);
    return `  ${propertyKey(t.name)}: { input: ${n.input}; output: ${t.output ? n.output : 'undefined'} };`;
  });
  const resources = spec.resources.map((r) => {
    const n = names.resources.get(r.name)!;
    importFrom(r.schema ? [n.params, n.data] : [n.params], `./types/resources/${r.name}.js`);
    return `  ${propertyKey(r.name)}: { params: ${n.params}; data: ${r.schema ? n.data : 'undefined'} };`;
  });
  const prompts = spec.prompts.map((p) => {
    const n = names.prompts.get(p.name)!;
    importFrom([n.args], `./types/prompts/${p.name}.js`);
    return `  ${propertyKey(p.name)}: { args: ${n.args} };`;
  });
  // `ctx.memory.<name>` of tools: the data type of each `kind: memory` resource (unknown without a schema).
  const memory = spec.resources
    .filter((r) => r.source?.kind === 'memory')
    .map((r) => `  ${propertyKey(r.name)}: ${r.schema ? names.resources.get(r.name)!.data : 'unknown'};`);
  const map = (lines: string[]) => (lines.length ? `{\n${lines.join('\n')}\n}` : 'Record<never, never>');
  // Handler files of entries removed from the spec get loose (`any`) entries so they still compile.
  const loose = (kind: RetiredEntry['kind'], alias: string, members: string) => {
    const entries = retired.filter((r) => r.kind === kind).map((r) => `  ${propertyKey(r.name)}: { ${members} };`);
    return entries.length ? { decl: [`type ${alias} = {\n${entries.join('\n')}\n};`, ''], use: ` & ${alias}` } : { decl: [], use: '' };
  };
  const retiredTools = loose('tool', 'RetiredTools', 'input: any; output: unknown');
  const retiredResources = loose('resource', 'RetiredResources', 'params: any; data: unknown');
  const retiredPrompts = loose('prompt', 'RetiredPrompts', 'args: any');
  const retiredDecls = [...retiredTools.decl, ...retiredResources.decl, ...retiredPrompts.decl];

  return [
    "import { createDefinePrompt, createDefineResource, createDefineTool, type HandlerContext } from '@mcpforge/runtime';",
    "import type { Database } from '../db/schema.js';",
    ...imports,
    '',
    `export type Tools = ${map(tools)};`,
    '',
    `export type Resources = ${map(resources)};`,
    '',
    `export type Prompts = ${map(prompts)};`,
    '',
    ...(retiredDecls.length
      ? [
          '/**',
          ' * Removed from the spec, but their handler files are still in src/: not served. These loose',
          ' * entries only keep those files compiling; delete the files to drop them.',
          ' */',
          '/* eslint-disable @typescript-eslint/no-explicit-any */',
          ...retiredDecls,
        ]
      : []),
    '/** What every handler receives as `ctx`. */',
    `export type Context = HandlerContext<Database${memory.length ? ', Memory' : ''}>;`,
    '',
    ...roleType(spec),
    ...(memory.length ? [`/** The \`kind: memory\` collections tools reach through \`ctx.memory\`. */`, `export type Memory = ${map(memory)};`, ''] : []),
    `export const defineTool = createDefineTool<Tools${retiredTools.use}, Database${memory.length ? ', Memory' : ''}>();`,
    `export const defineResource = createDefineResource<Resources${retiredResources.use}, Database>();`,
    `export const definePrompt = createDefinePrompt<Prompts${retiredPrompts.use}, Database>();`,
    '',
  ].join('\n');
}

/** `Role`: the names `ctx.auth.roles` can hold (only roles `auth.roles` declares reach handlers). */
function roleType(spec: LoadedSpec): string[] {
  const roles = Object.keys(spec.auth.roles ?? {});
  if (roles.length === 0) return [];
  return [
    '/** Roles declared under auth.roles: what `ctx.auth.roles` can hold (e.g. `ctx.auth.roles.includes(\'admin\' satisfies Role)`). */',
    `export type Role = ${roles.map(stringLiteral).join(' | ')};`,
    '',
  ];
}

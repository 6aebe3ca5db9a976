import type { LoadedSpec } from '../spec/types.js';
import { propertyKey } from './naming.js';

/**
 * `src/generated/handlers.ts`: lazy loaders for every handler and validator, so a server with a
 * thousand tools only imports the ones it is asked to run (cold start: 1,000 tools start within 1.2× of one, bench/README.md).
 *
 * A tool's loaders are arguments of `tool(...)`, not functions written as properties: V8 keeps a
 * name for every function written in an object literal (`modules.tools.add.handler`, built from
 * cons strings), ~170 bytes a loader for as long as the server runs: 0.34 MiB of a 1,000-tool
 * server's heap (bench/README.md, "Peak RSS"). Resources and prompts keep the plain form.
 */
/** `overridden`: declarative resources (`kind:`) whose handler file the project has written. */
export function emitHandlers(spec: LoadedSpec, overridden: ReadonlySet<string> = new Set()): string {
  const load = (path: string) => `() => import('${path}')`;
  const tools = spec.tools.map((t) => {
    const loaders = [load(`../tools/${t.name}.js`), load(`./validators/${t.name}.input.js`), ...(t.output ? [load(`./validators/${t.name}.output.js`)] : [])];
    return `    ${propertyKey(t.name)}: tool(${loaders.join(', ')}),`;
  });
  const resources = spec.resources.map((r) => {
    // A declarative resource without a handler file is served by the runtime from the manifest.
    const handler = !r.source || overridden.has(r.name) ? [`handler: ${load(`../resources/${r.name}.js`)}`] : [];
    const members = [...handler, ...(r.schema ? [`validate: ${load(`./validators/resources/${r.name}.data.js`)}`] : [])];
    return `    ${propertyKey(r.name)}: { ${members.join(', ')} },`;
  });
  const prompts = spec.prompts.map((p) => {
    const members = [`handler: ${load(`../prompts/${p.name}.js`)}`, ...(p.arguments ? [`validateArgs: ${load(`./validators/prompts/${p.name}.args.js`)}`] : [])];
    return `    ${propertyKey(p.name)}: { ${members.join(', ')} },`;
  });
  const section = (lines: string[]) => (lines.length ? `{\n${lines.join('\n')}\n  }` : '{}');
  return [
    "import type { ServerModules } from '@mcpforge/runtime';",
    '',
    ...(tools.length > 0
      ? [
          "type ToolModules = ServerModules['tools'][string];",
          '',
          '// Loaders given as arguments: V8 keeps no name for them (one written as a property keeps',
          '// `modules.tools.<name>.handler` for as long as the server runs).',
          "const tool = (handler: ToolModules['handler'], validateInput: ToolModules['validateInput'], validateOutput?: ToolModules['validateOutput']): ToolModules =>",
          '  validateOutput ? { handler, validateInput, validateOutput } : { handler, validateInput };',
          '',
        ]
      : []),
    'export const modules: ServerModules = {',
    `  tools: ${section(tools)},`,
    `  resources: ${section(resources)},`,
    `  prompts: ${section(prompts)},`,
    // auth.mode custom: the project's own hook (src/auth.ts), loaded like a handler.
    ...(spec.auth.mode === 'custom' ? [`  authenticator: ${load('../auth.js')},`] : []),
    '};',
    '',
  ].join('\n');
}

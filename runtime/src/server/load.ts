/**
 * Loads every handler module and validator named by the manifest, once, and checks that each
 * handler file implements what it is loaded for.
 */
import type {
  AnyPromptDefinition,
  AnyResourceDefinition,
  AnyToolDefinition,
  CompiledValidator,
  Manifest,
  ServerModules,
} from './contract.js';

export interface LoadedTool {
  definition: AnyToolDefinition;
  validateInput: CompiledValidator;
  validateOutput?: CompiledValidator;
}
export interface LoadedResource {
  definition: AnyResourceDefinition;
  validate?: CompiledValidator;
}
export interface LoadedPrompt {
  definition: AnyPromptDefinition;
  validateArgs?: CompiledValidator;
}
export interface LoadedModules {
  tools: Map<string, LoadedTool>;
  resources: Map<string, LoadedResource>;
  prompts: Map<string, LoadedPrompt>;
}

type Kind = 'tool' | 'resource' | 'prompt';
const FOLDER: Record<Kind, string> = { tool: 'tools', resource: 'resources', prompt: 'prompts' };
const DEFINE: Record<Kind, string> = { tool: 'defineTool', resource: 'defineResource', prompt: 'definePrompt' };

/** Where a handler lives: the import specifier in the loader when visible, else the layout's path. */
function fileOf(kind: Kind, name: string, loader: unknown): string {
  const specifier = typeof loader === 'function' ? /import\(\s*["'`]([^"'`]+)["'`]/.exec(loader.toString())?.[1] : undefined;
  return specifier ?? `src/${FOLDER[kind]}/${name}.ts`;
}

async function loadDefault<T>(what: string, loader: (() => Promise<{ default: T }>) | undefined): Promise<T> {
  if (typeof loader !== 'function') throw new Error(`${what}: no loader in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
  let mod: { default: T };
  try {
    mod = await loader();
  } catch (error) {
    throw new Error(`${what}: failed to load: ${(error as Error).message}`, { cause: error });
  }
  if (mod?.default === undefined) throw new Error(`${what}: the module has no default export.`);
  return mod.default;
}

function checkDefinition(kind: Kind, name: string, file: string, value: unknown): void {
  const def = value as { kind?: unknown; name?: unknown; handler?: unknown; handlers?: unknown };
  if (typeof def !== 'object' || def === null || def.kind !== kind) {
    throw new Error(`${file}: the default export must be \`${DEFINE[kind]}('${name}', ...)\`, got ${describe(value)}.`);
  }
  if (def.name !== name) {
    throw new Error(`${file}: implements ${kind} "${String(def.name)}" but is loaded for ${kind} "${name}"; pass '${name}' to ${DEFINE[kind]}.`);
  }
  const fn = kind === 'resource' ? (def.handlers as { read?: unknown } | undefined)?.read : def.handler;
  if (typeof fn !== 'function') throw new Error(`${file}: ${kind} "${name}" has no ${kind === 'resource' ? 'read handler' : 'handler function'}.`);
}

function checkValidator(what: string, value: unknown): CompiledValidator {
  if (typeof value !== 'function') throw new Error(`${what}: expected a validate function, got ${describe(value)}. Run \`mcpforge generate\`.`);
  return value as CompiledValidator;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${JSON.stringify(Object.keys(value as object))}`;
  return typeof value;
}

/** Loads all modules concurrently; the first problem found is thrown with the file it concerns. */
export async function loadModules(manifest: Manifest, modules: ServerModules): Promise<LoadedModules> {
  const loaded: LoadedModules = { tools: new Map(), resources: new Map(), prompts: new Map() };
  const tasks: Array<Promise<void>> = [];

  const sections = [
    ['tool', manifest.tools, modules.tools],
    ['resource', manifest.resources, modules.resources],
    ['prompt', manifest.prompts, modules.prompts],
  ] as const;
  for (const [kind, entries, mods] of sections) {
    for (const key of Object.keys(mods ?? {})) {
      if (!entries[key]) throw new Error(`src/generated/handlers.ts lists ${kind} "${key}" that the manifest does not have. Run \`mcpforge generate\`.`);
    }
  }

  for (const [key, entry] of Object.entries(manifest.tools)) {
    const mod = modules.tools[key];
    const file = fileOf('tool', entry.name, mod?.handler);
    if (!mod) throw new Error(`Tool "${entry.name}" is in the manifest but not in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
    tasks.push(
      (async () => {
        const [definition, validateInput, validateOutput] = await Promise.all([
          loadDefault(file, mod.handler),
          loadDefault(`input validator of tool "${entry.name}"`, mod.validateInput),
          mod.validateOutput ? loadDefault(`output validator of tool "${entry.name}"`, mod.validateOutput) : undefined,
        ]);
        checkDefinition('tool', entry.name, file, definition);
        const tool: LoadedTool = { definition, validateInput: checkValidator(`input validator of tool "${entry.name}"`, validateInput) };
        if (validateOutput !== undefined) tool.validateOutput = checkValidator(`output validator of tool "${entry.name}"`, validateOutput);
        loaded.tools.set(key, tool);
      })(),
    );
  }
  for (const [key, entry] of Object.entries(manifest.resources)) {
    const mod = modules.resources[key];
    const file = fileOf('resource', entry.name, mod?.handler);
    if (!mod) throw new Error(`Resource "${entry.name}" is in the manifest but not in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
    tasks.push(
      (async () => {
        const [definition, validate] = await Promise.all([
          loadDefault(file, mod.handler),
          mod.validate ? loadDefault(`validator of resource "${entry.name}"`, mod.validate) : undefined,
        ]);
        checkDefinition('resource', entry.name, file, definition);
        const resource: LoadedResource = { definition };
        if (validate !== undefined) resource.validate = checkValidator(`validator of resource "${entry.name}"`, validate);
        loaded.resources.set(key, resource);
      })(),
    );
  }
  for (const [key, entry] of Object.entries(manifest.prompts)) {
    const mod = modules.prompts[key];
    const file = fileOf('prompt', entry.name, mod?.handler);
    if (!mod) throw new Error(`Prompt "${entry.name}" is in the manifest but not in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
    tasks.push(
      (async () => {
        const [definition, validateArgs] = await Promise.all([
          loadDefault(file, mod.handler),
          mod.validateArgs ? loadDefault(`argument validator of prompt "${entry.name}"`, mod.validateArgs) : undefined,
        ]);
        checkDefinition('prompt', entry.name, file, definition);
        const prompt: LoadedPrompt = { definition };
        if (validateArgs !== undefined) prompt.validateArgs = checkValidator(`argument validator of prompt "${entry.name}"`, validateArgs);
        loaded.prompts.set(key, prompt);
      })(),
    );
  }
  // allSettled first so no loader rejection goes unhandled, then report the first failure.
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return loaded;
}

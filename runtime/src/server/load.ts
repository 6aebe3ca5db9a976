/**
 * Loads the handler modules and validators named by the manifest (each once, eagerly or on first
 * use) and checks that each handler file implements what it is loaded for.
 */
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { formatValidationErrors } from '../validation/index.js';
import type {
  AnyPromptDefinition,
  JsonSchemaObject,
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
    // tsc does not copy the validators' JavaScript (templates/app/tsconfig.json): the build script does.
    const hint = /\bvalidator of /.test(what) && (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' ? ' The build copies the validators into dist/ after tsc: run `npm run build` (tsc alone does not).' : '';
    throw new Error(`${what}: failed to load: ${(error as Error).message}${hint}`, { cause: error });
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

/**
 * Handler modules and validators loaded on first use, one tool (resource, prompt) at a time, so a
 * server with 1,000 tools starts as fast as one with a single tool. The manifest and the module
 * map are checked against each other up front (cheap, synchronous); each module is loaded once and
 * checked when it is first needed, and the same error is reported on every later use.
 */
export interface LazyModules {
  tool(key: string): Promise<LoadedTool>;
  /** The tool if it is already loaded (no await on the hot path). */
  loadedTool(key: string): LoadedTool | undefined;
  resource(key: string): Promise<LoadedResource>;
  prompt(key: string): Promise<LoadedPrompt>;
  loadedPrompt(key: string): LoadedPrompt | undefined;
  /** Loads everything; rejects with the first problem found. */
  loadAll(): Promise<LoadedModules>;
}

function memo<T>(load: () => Promise<T>): { get(): Promise<T>; value(): T | undefined } {
  let promise: Promise<T> | undefined;
  let value: T | undefined;
  return {
    get() {
      promise ??= load().then((v) => (value = v));
      return promise;
    },
    value: () => value,
  };
}

/**
 * `builtin`: the runtime's own definition of a declarative resource (spec `kind:`), used when the
 * project has no handler file for it — a handler file, when there is one, overrides it.
 */
export function createLazyModules(manifest: Manifest, modules: ServerModules, builtin?: (key: string) => AnyResourceDefinition | undefined): LazyModules {
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
    if (!modules.tools[key]) throw new Error(`Tool "${entry.name}" is in the manifest but not in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
  }
  // A tool's loader is made on its first use: a server of 1,000 tools that calls a few of them
  // would otherwise hold 1,000 loaders (~300 bytes each) for nothing (bench/README.md, "Peak RSS").
  const tools = new Map<string, ReturnType<typeof memo<LoadedTool>>>();
  const toolLoader = (key: string): ReturnType<typeof memo<LoadedTool>> | undefined => {
    const made = tools.get(key);
    if (made || !Object.hasOwn(manifest.tools, key)) return made;
    const entry = manifest.tools[key]!;
    // Every manifest tool has its modules: checked above, when the server starts.
    const mod = modules.tools[key]!;
    const loader = memo(async () => {
      const file = fileOf('tool', entry.name, mod.handler);
      const [definition, validateInput, validateOutput] = await settledAll([
        loadDefault(file, mod.handler),
        loadDefault(`input validator of tool "${entry.name}"`, mod.validateInput),
        mod.validateOutput ? loadDefault(`output validator of tool "${entry.name}"`, mod.validateOutput) : undefined,
      ] as const);
      checkDefinition('tool', entry.name, file, definition);
      const tool: LoadedTool = { definition: definition as AnyToolDefinition, validateInput: checkValidator(`input validator of tool "${entry.name}"`, validateInput) };
      if (validateOutput !== undefined) tool.validateOutput = checkValidator(`output validator of tool "${entry.name}"`, validateOutput);
      return tool;
    });
    tools.set(key, loader);
    return loader;
  };
  const resources = new Map<string, ReturnType<typeof memo<LoadedResource>>>();
  for (const [key, entry] of Object.entries(manifest.resources)) {
    const mod = modules.resources[key];
    const declared = entry.source && !mod?.handler ? builtin?.(key) : undefined;
    if (!mod && !declared) throw new Error(`Resource "${entry.name}" is in the manifest but not in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
    if (!mod?.handler && !declared) throw new Error(`Resource "${entry.name}" has no handler in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
    resources.set(
      key,
      memo(async () => {
        if (declared) {
          const validate = mod?.validate ? await loadDefault(`validator of resource "${entry.name}"`, mod.validate) : undefined;
          const resource: LoadedResource = { definition: declared };
          if (validate !== undefined) resource.validate = checkValidator(`validator of resource "${entry.name}"`, validate);
          return resource;
        }
        if (!mod?.handler) throw new Error(`Resource "${entry.name}" has no handler in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
        const file = fileOf('resource', entry.name, mod.handler);
        const [definition, validate] = await settledAll([
          loadDefault(file, mod.handler),
          mod.validate ? loadDefault(`validator of resource "${entry.name}"`, mod.validate) : undefined,
        ] as const);
        checkDefinition('resource', entry.name, file, definition);
        const resource: LoadedResource = { definition: definition as AnyResourceDefinition };
        if (validate !== undefined) resource.validate = checkValidator(`validator of resource "${entry.name}"`, validate);
        return resource;
      }),
    );
  }
  const prompts = new Map<string, ReturnType<typeof memo<LoadedPrompt>>>();
  for (const [key, entry] of Object.entries(manifest.prompts)) {
    const mod = modules.prompts[key];
    if (!mod) throw new Error(`Prompt "${entry.name}" is in the manifest but not in src/generated/handlers.ts. Run \`mcpforge generate\`.`);
    prompts.set(
      key,
      memo(async () => {
        const file = fileOf('prompt', entry.name, mod.handler);
        const [definition, validateArgs] = await settledAll([
          loadDefault(file, mod.handler),
          mod.validateArgs ? loadDefault(`argument validator of prompt "${entry.name}"`, mod.validateArgs) : undefined,
        ] as const);
        checkDefinition('prompt', entry.name, file, definition);
        const prompt: LoadedPrompt = { definition: definition as AnyPromptDefinition };
        if (validateArgs !== undefined) prompt.validateArgs = checkValidator(`argument validator of prompt "${entry.name}"`, validateArgs);
        return prompt;
      }),
    );
  }
  const lookup = <T>(map: Map<string, ReturnType<typeof memo<T>>>, kind: Kind, key: string) => {
    const m = map.get(key);
    if (!m) throw new Error(`No ${kind} "${key}" in the manifest.`);
    return m;
  };

  return {
    tool: (key) => {
      const loader = toolLoader(key);
      if (!loader) throw new Error(`No tool "${key}" in the manifest.`);
      return loader.get();
    },
    loadedTool: (key) => tools.get(key)?.value(),
    resource: (key) => lookup(resources, 'resource', key).get(),
    prompt: (key) => lookup(prompts, 'prompt', key).get(),
    loadedPrompt: (key) => prompts.get(key)?.value(),
    async loadAll() {
      const loaded: LoadedModules = { tools: new Map(), resources: new Map(), prompts: new Map() };
      const tasks: Array<Promise<void>> = [];
      for (const key of Object.keys(manifest.tools)) tasks.push(toolLoader(key)!.get().then((v) => void loaded.tools.set(key, v)));
      for (const [key, m] of resources) tasks.push(m.get().then((v) => void loaded.resources.set(key, v)));
      for (const [key, m] of prompts) tasks.push(m.get().then((v) => void loaded.prompts.set(key, v)));
      // allSettled first so no loader rejection goes unhandled, then report the first failure.
      const results = await Promise.allSettled(tasks);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return loaded;
    },
  };
}

/** Like Promise.all, but waits for every promise so that no rejection goes unhandled. */
async function settledAll<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never;
}

/** Loads all modules concurrently; the first problem found is thrown with the file it concerns. */
export async function loadModules(manifest: Manifest, modules: ServerModules): Promise<LoadedModules> {
  return createLazyModules(manifest, modules).loadAll();
}

/** Loads only resources and prompts (lazy mode: tools load on first use). */
export async function loadResourcesAndPrompts(lazy: LazyModules, manifest: Manifest): Promise<LoadedModules> {
  const loaded: LoadedModules = { tools: new Map(), resources: new Map(), prompts: new Map() };
  await settledAll([
    ...Object.keys(manifest.resources).map((key) => lazy.resource(key).then((v) => void loaded.resources.set(key, v))),
    ...Object.keys(manifest.prompts).map((key) => lazy.prompt(key).then((v) => void loaded.prompts.set(key, v))),
  ]);
  return loaded;
}


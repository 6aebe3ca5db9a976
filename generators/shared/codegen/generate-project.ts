import path from 'node:path';
import { SpecError, throwIfAny } from '../spec/errors.js';
import { formatLintIssue, lintSpec, type LintOptions } from '../spec/lint.js';
import type { LoadedSchema, LoadedSpec, LoadedTool } from '../spec/types.js';
import { entryKey, sha256 } from './content-hash.js';
import { CONTRACT_TEST_PATH, emitContractTests, type ContractCasesStore } from './emit-contract-tests.js';
import { emitHandlers } from './emit-handlers.js';
import { emitManifest } from './emit-manifest.js';
import { emitRegistry } from './emit-registry.js';
import { emitRetiredTypes, type RetiredEntry } from './emit-retired.js';
import { emitDatabaseStub, emitPromptStub, emitResourceStub, emitToolStub } from './emit-stubs.js';
import { AUTH_HOOK_PATH, emitAuthStub } from './emit-auth-stub.js';
import { emitParamsType, emitTypes } from './emit-types.js';
import type { ToolContractCases } from './contract-cases.js';
import { defaultThreads, emitInWorkers, startedWorkers, WORKERS_FROM, type PoolBatch, startsBatch, type ValidatorHashes } from './emit-pool.js';
import { VALIDATOR_MODULES_DTS, ValidatorCompiler } from './emit-validators.js';
import { generatedHeader } from './header.js';
import { paths, typeNames } from './naming.js';

export interface GenerateOptions {
  /** How the header names the spec (relative to the project root); default: the spec's file name. */
  specFile?: string;
  /**
   * Reads a user-owned file of the project (path relative to the project root), `undefined` when
   * it does not exist. Stubs are returned only for files that do not exist; without this function
   * every stub is returned and the caller decides.
   */
  readUserFile?: (path: string) => string | undefined;
  lint?: LintOptions;
  /**
   * Handler files whose entry is no longer in the spec: they stay on disk, unregistered, and the
   * registry gets a loose entry for each so they keep compiling until the user deletes them.
   */
  retired?: RetiredEntry[];
  /**
   * The files an entry produced in an earlier run, by entry key (see `entryKey`), or undefined.
   * They must be exactly what the entry emits: callers verify them against recorded hashes.
   */
  reuse?: (key: string) => Map<string, string> | undefined;
  /**
   * Validator code goes into content-addressed modules (`validators/_shared/<hash>.js`) that the
   * per-entry validators re-export, so identical validators exist once. Default: from
   * SHARE_VALIDATORS_FROM entries up (GitHub: 1,924 validators, 1,094 distinct; less to write,
   * copy into dist/ and load, and to parse for the `tsc` of a project made before the template
   * dropped `allowJs`).
   */
  shareValidators?: boolean;
  /**
   * A project-wide file (manifest, registry, handlers index, contract tests) as an earlier run
   * wrote it, when that run formatted the same unformatted text (`formatSources`): formatting is
   * a pure function of the text, so those bytes are what formatting would produce now. Callers
   * verify the text against recorded hashes. Saves prettier on the large files that a one-entry
   * change leaves as they were (the registry and handlers index of 1,000 tools: seconds).
   */
  formatted?: (path: string, sourceHash: string) => string | undefined;
  /**
   * Threads for the entries emitted afresh (types and their formatting, validators, contract
   * cases): this one plus worker threads; 1 keeps everything in this thread. Default:
   * `defaultThreads()` from WORKERS_FROM entries to emit, else 2 when a worker was started ahead
   * (`prestartEmitWorkers`). The output is the same either way.
   */
  threads?: number;
  /** Contract cases of an earlier run, kept for the next (see contract-cache.ts). */
  contractCases?: ContractCasesStore;
  /** sha256 of a text: the caller's memo (see memoSha256), which hashes the same files again. */
  hash?: (text: string) => string;
}

/** One entry's generated files, described before any is emitted. */
interface EntryPlan {
  key: string;
  /** The type module: `prefix` then the declarations of `roots` (none: `prefix` alone). */
  types: { path: string; prefix: string; roots: Array<{ name: string; schema: LoadedSchema }> };
  /** The error to report when the type compiler fails (default: its own). */
  typesError?: (error: unknown) => unknown;
  validators: Array<{ base: string; loaded: LoadedSchema; what: string }>;
  /** A tool's entry: its contract cases are computed with it. */
  tool?: LoadedTool;
}

/** Entries (tools + resources + prompts) from which validators are shared by default. */
export const SHARE_VALIDATORS_FROM = 200;
const SHARED_VALIDATORS_DIR = 'src/generated/validators/_shared';

export interface GeneratedProject {
  /** `src/generated/**` and `test/tools.contract.test.ts`: rewritten on every generation. Keys are project-relative POSIX paths. */
  files: Map<string, string>;
  /** User-owned files to create only when missing (handler stubs, src/db/schema.ts). */
  userFiles: Map<string, string>;
  /** Lint warnings, formatted `file:line:col pointer: warning: ... [rule]`. */
  warnings: string[];
  /** Per tool, resource and prompt: its content key and the generated files it owns. */
  entries: Map<string, string[]>;
  /** How many entries were emitted afresh (the others came from `reuse`). */
  emitted: number;
  /** Project-wide files: sha256 of their text before formatting (see `formatted`). */
  formatSources: Map<string, string>;
  /**
   * sha256 of some of `files` (the text as written), by path: those hashed where they were made
   * (by the emit workers, next to the text), so the caller's cache need not hash them again.
   */
  hashes: Map<string, string>;
}

/**
 * Everything `mcpforge generate` writes for a loaded spec, as an in-memory file map: no disk
 * access, so the caller can plan, diff and commit atomically. Same input, same bytes.
 */
export async function generateProject(spec: LoadedSpec, options: GenerateOptions = {}): Promise<GeneratedProject> {
  const lint = lintSpec(spec, options.lint);
  throwIfAny(
    lint.errors.map((i) => new SpecError({ ...i.location, message: i.message, hint: i.hint })),
  );
  const names = typeNames(spec);
  const header = generatedHeader(options.specFile ?? path.basename(spec.specPath));
  const files = new Map<string, string>();
  const userFiles = new Map<string, string>();
  const entries = new Map<string, string[]>();
  const validators = new ValidatorCompiler();
  let emitted = 0;
  const share = options.shareValidators ?? spec.tools.length + spec.resources.length + spec.prompts.length >= SHARE_VALIDATORS_FROM;
  // Part of every entry's key: the layout of its validator files depends on it.
  const layout = share ? 'shared-validators' : 'validators';

  const hashes = new Map<string, string>();
  /** Hashes of validator code made by the emit workers, by the code (see ValidatorHashes). */
  const codeHashes = new Map<string, ValidatorHashes>();
  const validatorModules = header + VALIDATOR_MODULES_DTS;
  // Texts in the house format as emitted (test/unit/codegen/format.test.ts) are written as they
  // are: formatting the database stub alone kept prettier loading on this thread.
  const databaseStub = emitDatabaseStub();
  // A list, not a Set: a Set hashes every text it is asked about (4,800 texts of ~3 KB, as a
  // large import's fresh files: ~39 ms against ~1 ms), while `===` mostly stops at the lengths.
  const asEmitted = [validatorModules, databaseStub];
  const format = (files: Map<string, string>) => formatTypeScript(files, asEmitted);
  const addUser = (file: string, text: string) => {
    if (!options.readUserFile || options.readUserFile(file) === undefined) userFiles.set(file, text);
  };
  /** Files of entries emitted afresh in this run, formatted together at the end. */
  const fresh = new Map<string, string>();

  const addValidator = (out: Map<string, string>, base: string, loaded: LoadedSchema, what: string) => {
    let code: string;
    try {
      code = validators.compile(loaded);
    } catch (error) {
      throw new SpecError({ ...loaded.location, message: `cannot compile a validator for ${what}: ${(error as Error).message}`, hint: 'fix the schema (run `mcpforge check` for details)' });
    }
    if (share) {
      // Content-addressed: every entry with this code emits the same file, so entries stay
      // independent (the cache can reuse any of them) and the module exists once on disk.
      const known = codeHashes.get(code);
      const shared = `${SHARED_VALIDATORS_DIR}/${(known?.code ?? sha256(code)).slice(0, 20)}.js`;
      if (known?.module !== undefined) hashes.set(shared, known.module);
      let from = path.posix.relative(path.posix.dirname(base), shared);
      if (!from.startsWith('.')) from = `./${from}`;
      out.set(shared, header + code);
      out.set(`${base}.js`, `${header}export { default, validate } from '${from}';\n`);
    } else {
      out.set(`${base}.js`, header + code);
    }
  };
  const schemaKey = (loaded: LoadedSchema | undefined) => loaded && { draft: loaded.draft, schema: loaded.schema };

  // Every entry's type module and validators, described first: the entries to emit afresh can
  // then be handed to worker threads at once, and are assembled below in spec order either way.
  const plans: EntryPlan[] = [];
  for (const tool of spec.tools) {
    const n = names.tools.get(tool.name)!;
    plans.push({
      tool,
      key: entryKey(['tool', tool.name, header, ...(share ? [layout] : []), schemaKey(tool.input), schemaKey(tool.output)]),
      types: { path: paths.toolTypes(tool.name), prefix: header, roots: [{ name: n.input, schema: tool.input }, ...(tool.output ? [{ name: n.output, schema: tool.output }] : [])] },
      typesError: (error) => {
        if (error instanceof SpecError) return error;
        // Name the tool: the type compiler's own message says nothing of where it was.
        return new SpecError({ ...tool.input.location, message: `cannot generate the types of tool "${tool.name}": ${(error as Error).message.split('\n')[0]}`, hint: 'simplify the schema, or report it with the schema' });
      },
      validators: [
        { base: paths.toolInputValidator(tool.name), loaded: tool.input, what: `the input of tool "${tool.name}"` },
        ...(tool.output ? [{ base: paths.toolOutputValidator(tool.name), loaded: tool.output, what: `the output of tool "${tool.name}"` }] : []),
      ],
    });
    addUser(paths.toolHandler(tool.name), emitToolStub(tool, names));
  }
  for (const resource of spec.resources) {
    const n = names.resources.get(resource.name)!;
    plans.push({
      key: entryKey(['resource', resource.name, header, ...(share ? [layout] : []), resource.variables, schemaKey(resource.schema)]),
      types: { path: paths.resourceTypes(resource.name), prefix: header + emitParamsType(n.params, resource.variables) + '\n', roots: resource.schema ? [{ name: n.data, schema: resource.schema }] : [] },
      validators: resource.schema ? [{ base: paths.resourceValidator(resource.name), loaded: resource.schema, what: `the data of resource "${resource.name}"` }] : [],
    });
    // A declarative resource needs no handler: no stub, and the runtime serves it unless the
    // project has written one (then that file wins and is loaded like any other).
    if (!resource.source) addUser(paths.resourceHandler(resource.name), emitResourceStub(resource, names));
  }
  for (const prompt of spec.prompts) {
    const n = names.prompts.get(prompt.name)!;
    plans.push({
      key: entryKey(['prompt', prompt.name, header, ...(share ? [layout] : []), schemaKey(prompt.arguments)]),
      types: prompt.arguments
        ? { path: paths.promptTypes(prompt.name), prefix: header, roots: [{ name: n.args, schema: prompt.arguments }] }
        : { path: paths.promptTypes(prompt.name), prefix: `${header}/** This prompt takes no arguments. */\nexport type ${n.args} = Record<never, never>;\n`, roots: [] },
      validators: prompt.arguments ? [{ base: paths.promptValidator(prompt.name), loaded: prompt.arguments, what: `the arguments of prompt "${prompt.name}"` }] : [],
    });
    addUser(paths.promptHandler(prompt.name), emitPromptStub(prompt, names));
  }

  // Project-wide files that depend on the spec alone (manifest, registry, handlers index),
  // emitted, hashed and formatted in steps: alongside the workers' batches when there are
  // workers (see emitInWorkers), else after the entries, where the contract tests follow them.
  // A step's error is kept and thrown where the step ran before, after the entries' own.
  const retired = options.retired ?? [];
  const hashOf = options.hash ?? sha256;
  /** Sha256 of each project-wide file's text before formatting, in the order the files are emitted. */
  const formatSources = new Map<string, string>();
  /** Project-wide files as written: formatted, or as an earlier run formatted the same text. */
  const projectWide = new Map<string, string>();
  const settle = async (global: Map<string, string>) => {
    const unformatted = new Map<string, string>();
    for (const [file, text] of global) {
      const hash = hashOf(text);
      formatSources.set(file, hash);
      const known = options.formatted?.(file, hash);
      if (known !== undefined) projectWide.set(file, known);
      else unformatted.set(file, text);
    }
    await format(unformatted);
    for (const [file, text] of unformatted) projectWide.set(file, text);
  };
  const specWide = new Map<string, string>();
  let specWideError: { error: unknown } | undefined;
  // Each step runs once: after the entries, the steps the pool did not run (it failed, or
  // there was none) run here.
  const specWideStep = (step: () => unknown) => {
    let ran = false;
    return async () => {
      if (ran || specWideError) return;
      ran = true;
      try {
        await step();
      } catch (error) {
        specWideError = { error };
      }
    };
  };
  const specWideSteps = [
    () => {
      for (const r of retired) specWide.set(retiredTypesPath(r), header + emitRetiredTypes(r));
      specWide.set(paths.manifest, header + emitManifest(spec));
      // The types of the validator modules (see VALIDATOR_MODULES_DTS), while there are any.
      if (plans.some((plan) => plan.validators.length > 0)) specWide.set(paths.validatorModules, validatorModules);
    },
    () => specWide.set(paths.registry, header + emitRegistry(spec, names, retired)),
    () => {
      const overridden = new Set(spec.resources.filter((r) => r.source && options.readUserFile?.(paths.resourceHandler(r.name)) !== undefined).map((r) => r.name));
      specWide.set(paths.handlers, header + emitHandlers(spec, overridden));
    },
    () => settle(specWide),
  ].map(specWideStep);

  const reused = new Map<string, Map<string, string>>();
  for (const plan of plans) {
    const out = options.reuse?.(plan.key);
    if (out) reused.set(plan.key, out);
  }
  const todo = plans.filter((plan) => !reused.has(plan.key));
  // Fewer entries than that go to a worker only when one was started ahead (a regeneration's,
  // see PlanOptions.prestartWorker): warm by now, it spares this thread loading the compilers.
  const threads = options.threads ?? (todo.length >= WORKERS_FROM ? defaultThreads() : todo.length > 0 && startedWorkers() > 0 ? 2 : 1);
  /** Type modules already formatted (by a worker), by path. */
  let formatted = new Map<string, { text: string; hash: string }>();
  let contracts = new Map<string, ToolContractCases>();
  if (threads > 1 && todo.length > 0) {
    const batches: PoolBatch[] = [];
    const assigned = new Set<string>();
    for (const [i, plan] of todo.entries()) {
      if (startsBatch(i, todo.length)) batches.push({ ...(share ? { header } : {}), types: [], validators: [], contracts: [] });
      const batch = batches[batches.length - 1]!;
      const { path: id, prefix, roots } = plan.types;
      if (roots.length > 0) batch.types.push({ id, prefix, roots: roots.map((r) => ({ name: r.name, schema: { schema: r.schema.schema } })) });
      for (const { loaded } of plan.validators) {
        const key = ValidatorCompiler.keyOf(loaded);
        if (assigned.has(key)) continue;
        assigned.add(key);
        batch.validators.push({ key, schema: { schema: loaded.schema, draft: loaded.draft } });
      }
      if (plan.tool) batch.contracts.push({ name: plan.tool.name, input: { schema: plan.tool.input.schema, draft: plan.tool.input.draft }, hasOutput: plan.tool.output !== undefined, openWorld: plan.tool.annotations?.openWorldHint === true });
    }
    try {
      const done = await emitInWorkers(batches, threads, validators, specWideSteps);
      formatted = done.types;
      contracts = done.contracts;
      for (const [key, { code, hashes }] of done.validators) {
        validators.add(key, code);
        codeHashes.set(code, hashes);
      }
    } catch {
      // Whatever the workers did not answer is emitted in process below (same functions).
    }
  }

  for (const plan of plans) {
    let out = reused.get(plan.key);
    if (out) {
      for (const [file, text] of out) files.set(file, text);
    } else {
      out = new Map();
      const { path: typesPath, prefix, roots } = plan.types;
      const ready = formatted.get(typesPath);
      if (ready !== undefined) {
        out.set(typesPath, ready.text);
        files.set(typesPath, ready.text);
        hashes.set(typesPath, ready.hash);
      } else {
        let types = '';
        if (roots.length > 0) {
          try {
            types = await emitTypes(roots);
          } catch (error) {
            throw plan.typesError ? plan.typesError(error) : error;
          }
        }
        out.set(typesPath, prefix + types);
        fresh.set(typesPath, prefix + types);
      }
      for (const v of plan.validators) addValidator(out, v.base, v.loaded, v.what);
      for (const [file, text] of out) if (file !== typesPath) fresh.set(file, text);
      emitted++;
    }
    entries.set(plan.key, [...out.keys()].sort());
  }
  await format(fresh);
  for (const [file, text] of fresh) files.set(file, text);
  for (const step of specWideSteps) await step();
  if (specWideError) throw specWideError.error;
  const toolKeys = new Map(plans.flatMap((plan) => (plan.tool ? [[plan.tool, plan.key] as const] : [])));
  const cached = options.contractCases && { store: options.contractCases, keyOf: (tool: LoadedTool) => toolKeys.get(tool)! };
  await settle(new Map([[CONTRACT_TEST_PATH, header + emitContractTests(spec, names, contracts, (loaded) => validators.functionFor(loaded), cached)]]));
  for (const [file, text] of projectWide) files.set(file, text);
  addUser(paths.database, databaseStub);
  if (spec.auth.mode === 'custom') addUser(AUTH_HOOK_PATH, emitAuthStub());

  await format(userFiles);
  const base = path.dirname(spec.specPath);
  return { files: sorted(files), userFiles: sorted(userFiles), warnings: lint.warnings.map((w) => formatLintIssue(w, base)), entries, emitted, formatSources, hashes };
}

/**
 * Formats `files` in place but for the texts in `asEmitted`. prettier (and its plugins) load only
 * when something is left to format: a regeneration that reuses every file never needs them.
 */
async function formatTypeScript(files: Map<string, string>, asEmitted: readonly string[]): Promise<void> {
  const todo = new Map([...files].filter(([, text]) => !asEmitted.includes(text)));
  if (todo.size === 0) return;
  const format = await import('./format.js');
  await format.formatTypeScript(todo);
  for (const [file, text] of todo) files.set(file, text);
}

function retiredTypesPath(r: RetiredEntry): string {
  if (r.kind === 'tool') return paths.toolTypes(r.name);
  if (r.kind === 'resource') return paths.resourceTypes(r.name);
  return paths.promptTypes(r.name);
}

/** Insertion order is already deterministic; sorting makes listings stable across spec edits too. */
function sorted(map: Map<string, string>): Map<string, string> {
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

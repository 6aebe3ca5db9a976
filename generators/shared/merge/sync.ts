/**
 * The whole of `mcpforge generate` as a pure function: project files in, a plan out. Generated
 * files are rebuilt (reusing unchanged entries from the cache), missing handler files are
 * created, existing ones surgically updated, and anything that cannot be updated safely is a
 * conflict. Nothing here touches the disk: the caller commits the plan, or (on any conflict)
 * commits nothing.
 */
import { generatorFingerprint, memoSha256, sha256 } from '../codegen/content-hash.js';
import type { ContractCasesStore } from '../codegen/emit-contract-tests.js';
import { generateProject } from '../codegen/generate-project.js';
import type { LintOptions } from '../spec/lint.js';
import type { LoadedSpec } from '../spec/types.js';
import { ENTRY_KINDS, exportedNames, generatedFileOf, handlerPath, typesModule, type EntryKind } from './entries.js';
import { findRetiredHandlers, type OrphanRecord } from './retired-handlers.js';

/** The merge loads ts-morph (and TypeScript): only when some handler file needs it. */
let mergeModule: Promise<typeof import('./merge-handler.js')> | undefined;
const merging = () => (mergeModule ??= import('./merge-handler.js'));

/** `.mcpforge/cache.json`: what the last generation read and wrote, by content hash. */
export interface CacheRecord {
  version: 1;
  /** Generator identity (toolkit version + its source): another generator invalidates everything. */
  fingerprint: string;
  specFile: string;
  /** sha256 of every local file the spec read (spec first); null when a remote document was read. */
  sources: Record<string, string> | null;
  /** sha256 of every file under src/generated/ as written. */
  generated: Record<string, string>;
  /** sha256 of every user-owned file generation looked at (handler folders, src/db/schema.ts). */
  user: Record<string, string>;
  /** Entry content key → the generated files that entry produced. */
  entries: Record<string, string[]>;
  /** Project-wide generated files → sha256 of their text before formatting (see GenerateOptions.formatted). */
  formats?: Record<string, string>;
  /**
   * Handler files the merge left as they were, by sha256 of what the merge read (the text and
   * the exports of the generated modules it names): the same inputs are left alone again.
   */
  merged?: Record<string, string>;
  /** Files in the handler folders that are no entry's handler, by path: what their analysis found (merge/retired-handlers.ts). */
  orphans?: Record<string, OrphanRecord>;
  /**
   * The plan's warnings (a handler left behind by a removed tool, the lint's): they hold while
   * nothing generation reads changes, so a `generate` answered from this cache prints them again.
   */
  warnings?: string[];
  /** Cheap file identity, see generators/generate/project.ts. */
  stats?: Record<string, number[]>;
  /** The file system clock when `stats` were taken (ms). */
  statClock?: number;
}

export { CACHE_FILE } from '../cache-files.js';

export interface Conflict {
  path: string;
  found: string;
  expected: string;
}

export interface SyncPlan {
  /** Generated files to write (new or changed). */
  write: Map<string, string>;
  /** Generated files to write that do not exist yet (a subset of `write`). */
  added: Set<string>;
  /** Generated files no longer generated. */
  remove: string[];
  /** Generated files already exactly as generated. */
  unchanged: string[];
  /** User-owned files to create (missing handlers, src/db/schema.ts). */
  create: Map<string, string>;
  /** User-owned handler files to update surgically, with what changes. */
  update: Map<string, { text: string; changes: string[] }>;
  /** User-owned files looked at and left exactly as they are. */
  leftAlone: string[];
  conflicts: Conflict[];
  warnings: string[];
  /** The cache to store once the plan is committed. */
  cache: CacheRecord;
  /** The spec's parse to store with it (see spec/spec-document-cache.ts), when it can be cached. */
  specDocument?: string;
  /** The contract cases to store with it (see codegen/contract-cache.ts), when changed. */
  contractCases?: string;
  /** Stat data of the project files as they were read (see generators/generate/project.ts). */
  readStats?: ReadonlyMap<string, number[]>;
  /** Entries emitted afresh / in total. */
  emitted: number;
  entries: number;
}

export interface SyncInput {
  spec: LoadedSpec;
  /** The spec's path relative to the project root (POSIX). */
  specFile: string;
  /** The project's files under src/generated/, src/tools|resources|prompts/ and src/db/ (project-relative). */
  files: ReadonlyMap<string, string>;
  /** The previous cache, if any and wanted. */
  cache?: CacheRecord;
  /** Local source files read by the spec, project-relative, with their text (for the cache). */
  sources: Map<string, string> | null;
  /** Lint options passed to generation (e.g. the `tools/list` token budget). */
  lint?: LintOptions;
  /** sha256 of a text (the caller's memo, see memoSha256, when it hashed some of them already). */
  hash?: (text: string) => string;
  /** Contract cases of an earlier run, kept for the next (see codegen/contract-cache.ts). */
  contractCases?: ContractCasesStore;
  /**
   * Handler files of `files` that the caller wrote in this run from the same spec: `import
   * openapi`'s new handlers, emitted with the names and types this generation exports. Like a
   * stub, each is what the merge would leave alone (test/unit/merge/imported-handlers.test.ts
   * checks that for the import corpus), so it is recorded as merged without parsing it: loading
   * ts-morph and TypeScript, then parsing 1,223 handlers, was ~1.5 s of a GitHub import's serial end.
   */
  planned?: ReadonlySet<string>;
}

export function isUserPath(path: string): boolean {
  return /^src\/(tools|resources|prompts)\//.test(path) || path === 'src/db/schema.ts';
}

export async function planSync(input: SyncInput): Promise<SyncPlan> {
  const { spec, files } = input;
  const fingerprint = generatorFingerprint();
  const hash = input.hash ?? memoSha256();
  const active: Record<EntryKind, Set<string>> = {
    tool: new Set(spec.tools.map((t) => t.name)),
    resource: new Set(spec.resources.map((r) => r.name)),
    prompt: new Set(spec.prompts.map((p) => p.name)),
  };

  const record = input.cache && input.cache.fingerprint === fingerprint ? input.cache : undefined;
  // Handler files of entries no longer in the spec: left in place, unregistered, kept compiling.
  const { retired, warnings, orphans } = await findRetiredHandlers({ files, active, specFile: input.specFile, recorded: record?.orphans, hash });

  // Renames cannot be told apart from a removal plus an addition: say so when both happen at once.
  const before = previousEntries(files.get('src/generated/handlers.ts'));
  for (const kind of ENTRY_KINDS) {
    const gone = [...before[kind]].filter((n) => !active[kind].has(n));
    const added = [...active[kind]].filter((n) => !before[kind].has(n));
    if (gone.length > 0 && added.length > 0) {
      warnings.push(
        `${kind} ${gone.map((n) => `"${n}"`).join(', ')} left the spec and ${added.map((n) => `"${n}"`).join(', ')} arrived: a rename is a removal plus an addition. ` +
          `To keep your code, move the old handler file over the new one (e.g. mv ${handlerPath(kind, gone[0]!)} ${handlerPath(kind, added[0]!)}) and run \`mcpforge generate\` again: it updates the name and the type imports.`,
      );
    }
  }

  const reuse = (key: string) => {
    const owned = record?.entries[key];
    if (!owned) return undefined;
    const out = new Map<string, string>();
    for (const path of owned) {
      const text = files.get(path);
      if (text === undefined || record!.generated[path] !== hash(text)) return undefined;
      out.set(path, text);
    }
    return out;
  };
  const formatted = (path: string, sourceHash: string) => {
    if (record?.formats?.[path] !== sourceHash) return undefined;
    const text = files.get(path);
    return text !== undefined && record.generated[path] === hash(text) ? text : undefined;
  };
  const generated = await generateProject(spec, {
    formatted,
    specFile: input.specFile,
    readUserFile: (path) => files.get(path),
    retired,
    reuse,
    hash,
    ...(input.contractCases ? { contractCases: input.contractCases } : {}),
    ...(input.lint ? { lint: input.lint } : {}),
  });
  warnings.unshift(...generated.warnings);

  const plan: SyncPlan = {
    write: new Map(),
    added: new Set(),
    remove: [],
    unchanged: [],
    create: new Map(),
    update: new Map(),
    leftAlone: [],
    conflicts: [],
    warnings,
    cache: { version: 1, fingerprint, specFile: input.specFile, sources: null, generated: {}, user: {}, entries: {}, formats: Object.fromEntries(generated.formatSources), merged: {}, orphans, warnings: [...warnings] },
    emitted: generated.emitted,
    entries: generated.entries.size,
  };
  for (const [path, text] of generated.files) {
    if (files.get(path) === text) plan.unchanged.push(path);
    else plan.write.set(path, text);
    if (!files.has(path)) plan.added.add(path);
  }
  for (const path of files.keys()) if (path.startsWith('src/generated/') && !generated.files.has(path)) plan.remove.push(path);
  for (const [path, text] of generated.userFiles) plan.create.set(path, text);

  const exportCache = new Map<string, ReadonlySet<string> | undefined>();
  const exportsOf = (file: string) => {
    if (!exportCache.has(file)) {
      const text = generated.files.get(file);
      exportCache.set(file, text === undefined ? undefined : exportedNames(text));
    }
    return exportCache.get(file);
  };
  for (const kind of ENTRY_KINDS) {
    for (const name of active[kind]) {
      const path = handlerPath(kind, name);
      // A stub created now is what the merge would leave alone (it is written from the same
      // types): its key is recorded too, so the next run does not load ts-morph to merge 1,000
      // fresh stubs (seconds, the first regeneration after `new` or an import).
      const stub = files.has(path) ? undefined : plan.create.get(path);
      const text = files.get(path) ?? stub;
      if (text === undefined) continue; // no handler file (a declarative resource)
      // A merge reads the handler's text and the exports of the generated types modules it
      // names (its own, and any `../generated/...` module it imports): the same inputs as a
      // merge that left the file alone give the same answer, without parsing the file.
      const modules = [typesModule(kind, name), ...[...text.matchAll(/['"](\.\.\/generated\/[^'"\n]*)['"]/g)].map((m) => m[1]!)];
      const inputs = [...new Set(modules)].sort().map((module) => {
        const exports = exportsOf(generatedFileOf(module) ?? '');
        return [module, exports ? [...exports].sort() : null];
      });
      const key = sha256(JSON.stringify([text, inputs]));
      if (stub !== undefined || input.planned?.has(path) || record?.merged?.[path] === key) {
        plan.cache.merged![path] = key;
        continue;
      }
      const result = (await merging()).mergeHandler(path, text, { kind, name, exportsOf });
      if (result.status === 'conflict') plan.conflicts.push({ path, found: result.found, expected: result.expected });
      else if (result.status === 'updated') plan.update.set(path, { text: result.text, changes: result.changes });
      else plan.cache.merged![path] = key;
    }
  }
  for (const path of files.keys()) if (isUserPath(path) && !plan.update.has(path)) plan.leftAlone.push(path);

  // The cache describes the project as it will be once this plan is committed.
  for (const [path, text] of generated.files) plan.cache.generated[path] = generated.hashes.get(path) ?? hash(text);
  for (const [path, text] of files) if (isUserPath(path)) plan.cache.user[path] = hash(plan.update.get(path)?.text ?? text);
  for (const [path, text] of plan.create) plan.cache.user[path] = hash(text);
  for (const [key, owned] of generated.entries) plan.cache.entries[key] = owned;
  if (input.sources) plan.cache.sources = Object.fromEntries([...input.sources].map(([path, text]) => [path, hash(text)]));
  plan.leftAlone.sort();
  plan.remove.sort();
  return plan;
}

/**
 * Entries registered by the handlers.ts of the previous generation (its lazy imports name them):
 * `handler: () => import(...)`, or a tool's first loader in `tool(() => import(...), ...)`.
 */
function previousEntries(handlers: string | undefined): Record<EntryKind, Set<string>> {
  const out: Record<EntryKind, Set<string>> = { tool: new Set(), resource: new Set(), prompt: new Set() };
  if (!handlers) return out;
  const kindOf: Record<string, EntryKind> = { tools: 'tool', resources: 'resource', prompts: 'prompt' };
  for (const match of handlers.matchAll(/(?:handler: |tool\(\s*)\(\) => import\('\.\.\/(tools|resources|prompts)\/(.+?)\.js'\)/g)) {
    out[kindOf[match[1]!]!].add(match[2]!);
  }
  return out;
}

/**
 * `mcpforge import openapi <file>` and `mcpforge import schema <file>...`.
 *
 * Everything is planned in memory (the edited spec, schemas, handlers), then loaded, linted and
 * generated from that in-memory overlay; the disk is written once at the end, so a failure
 * (a bad description, `--strict` with warnings) leaves the project as it was.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { listFilesSync } from '../../generators/shared/tree/list-files.js';
import { planSchemaImport } from '../../generators/import-schema/plan.js';
import { planOpenApiImport, readOpenApi, type ImportReport, type OpenApiDocument } from '../../generators/openapi/index.js';
import { commitPlan, planProject, writeFiles } from '../../generators/generate/project.js';
import type { SyncPlan } from '../../generators/shared/merge/sync.js';
import { SpecError } from '../../generators/shared/spec/errors.js';
import { step, UserError } from '../output.js';
import { toolkitRoot } from '../toolkit.js';
import { useGenerationJitBudget } from '../jit-budget.js';
import { parseSpecInStartedWorker, prestartEmitWorkers, stopEmitWorkers, WORKERS_FROM } from '../../generators/shared/codegen/emit-workers.js';
import { foreseenSpec, type ForeseenSpec } from '../../generators/shared/codegen/spec-in-worker.js';
import { jsonFaithful } from '../../generators/shared/spec/source-document.js';

export interface CommonImportOptions {
  spec: string;
  strict?: boolean;
  tokenBudget?: string;
  generate?: boolean;
}

export interface OpenApiImportOptions extends CommonImportOptions {
  includeTags?: string;
  includeOps?: string;
  excludeOps?: string;
  baseUrl?: string;
  maxTools?: string;
  name?: string;
  outputSchemaLimit?: string;
  descriptionBudget?: string;
  outputValidation?: string;
}

function outputValidation(value: string | undefined): 'warn' | 'strict' | undefined {
  if (value === undefined || value === 'warn' || value === 'strict') return value;
  throw new UserError(`--output-validation ${value}: use warn (hand over data that does not match its schema, with a note) or strict (a tool error naming the mismatch)`);
}

const list = (value: string | undefined) => value?.split(',').map((s) => s.trim()).filter(Boolean);

function project(specOption: string) {
  const specPath = resolve(specOption);
  if (!existsSync(specPath)) {
    throw new UserError(`${specOption} not found in ${process.cwd()}. Run this in a project made by \`mcpforge new\` (e.g. \`mcpforge new my-api --example none\`), or pass --spec <file>.`);
  }
  const root = dirname(specPath);
  const read = (path: string) => {
    const full = join(root, path);
    return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  };
  return { specPath, root, read, specText: readFileSync(specPath, 'utf8') };
}

/** The tool a generation error names (`cannot compile a validator for the input of tool "x"`). */
export function unbuildableTool(error: SpecError): string | undefined {
  return /^cannot (?:compile a validator|generate the types) (?:for|of) (?:the (?:input|output) of )?tool "([^"]+)"/.exec(error.detail)?.[1];
}

function nonNegative(flag: string, value: string, expected = 'a size in KiB (0 for none, all for every schema)'): number {
  const n = value === 'all' ? Infinity : Number(value);
  if (!(n >= 0)) throw new UserError(`${flag} ${value}: expected ${expected}`);
  return n;
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${value}: expected a positive whole number`);
  return n;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Operations in an OpenAPI document (an upper bound of the tools an import makes). */
function operationCount(data: Record<string, unknown>): number {
  let n = 0;
  const paths = data.paths;
  if (paths && typeof paths === 'object') {
    for (const item of Object.values(paths)) if (item && typeof item === 'object') for (const key of Object.keys(item)) if (METHODS.has(key)) n++;
  }
  return n;
}

export async function importOpenApiCommand(file: string, options: OpenApiImportOptions): Promise<void> {
  const started = Date.now();
  useGenerationJitBudget();
  const { specPath, root, read, specText } = project(options.spec);
  const reading = step(`Reading ${file}`);
  // Dropped once mapped (see `mapped`); read again only if an attempt has to plan once more.
  let doc: OpenApiDocument | undefined = await readOpenApi(file).catch((error: unknown) => {
    reading.fail();
    throw error;
  });
  reading.done(doc.convertedFrom ? `${doc.convertedFrom}, converted to OpenAPI ${doc.version} with swagger2openapi` : `OpenAPI ${doc.version}`);
  // Enough operations for the generation to use worker threads: start them now, so that they
  // load and warm up while this thread maps the operations and loads the spec (GitHub: ~2 s).
  if (options.generate !== false && operationCount(doc.data) >= WORKERS_FROM) prestartEmitWorkers();
  // Tools whose types or validator cannot be generated are skipped (degrade per tool, never per
  // document) and the import is planned again without them; --strict keeps all-or-nothing.
  const unbuildable: Array<{ name: string; reason: string }> = [];
  try {
    await importAll();
  } finally {
    await stopEmitWorkers();
  }

  async function importAll(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await planAndWrite(attempt);
      if (outcome === 'done') return;
      if (options.strict || attempt >= 20) throw outcome;
      const tool = unbuildableTool(outcome);
      if (!tool || unbuildable.some((u) => u.name === tool)) throw outcome;
      unbuildable.push({ name: tool, reason: outcome.detail });
      process.stderr.write(`warning: skipping tool ${tool}: ${outcome.detail}\n`);
    }
  }

  /**
   * Maps the description, then lets it go: the GitHub description is 13 MB of JSON, ~100 MB of
   * objects that every full garbage collection of the generation would mark again. A further
   * attempt (without an unbuildable tool) reads it again.
   */
  async function mapped<T>(map: (description: OpenApiDocument) => Promise<T>): Promise<T> {
    const description = doc ?? (await readOpenApi(file));
    doc = undefined;
    return map(description);
  }

  async function planAndWrite(attempt: number): Promise<'done' | SpecError> {
  const mapping = step(attempt === 0 ? 'Mapping operations to tools' : `Mapping operations to tools (again, without ${unbuildable.length} unbuildable)`);
  let plan: ReturnType<typeof planOpenApiImport>;
  try {
    plan = await mapped(async (description) => planOpenApiImport({
      doc: description,
      specText,
      readProjectFile: read,
      listProjectFiles: (dir) => listFilesSync(join(root, dir)).map((file) => relative(root, file).split(sep).join('/')),
      clientSource: await readFile(join(toolkitRoot(), 'templates', 'openapi', 'client.ts'), 'utf8'),
      options: {
        includeTags: list(options.includeTags),
        includeOps: list(options.includeOps),
        excludeOps: [...(list(options.excludeOps) ?? []), ...unbuildable.map((u) => u.name)],
        baseUrl: options.baseUrl,
        maxTools: positiveInt('--max-tools', options.maxTools),
        name: options.name,
        strict: options.strict,
        outputValidation: outputValidation(options.outputValidation),
        ...(options.outputSchemaLimit !== undefined ? { outputSchemaLimitKb: nonNegative('--output-schema-limit', options.outputSchemaLimit) } : {}),
        ...(options.descriptionBudget !== undefined ? { descriptionBudget: nonNegative('--description-budget', options.descriptionBudget, 'a number of characters (0: descriptions as written)') } : {}),
      },
    }));
  } catch (error) {
    mapping.fail();
    throw error;
  }
  const r = plan.report;
  mapping.done(`${r.tools.length} tools from ${r.operations} operations, ${r.components} shared schemas`);

  for (const u of unbuildable) r.skipped.push({ operation: u.name, reason: u.reason });
  const files = new Map<string, string>([['__spec__', plan.specText], ...plan.files]);
  // A worker started ahead parses the new spec while this thread loads it from the data it was made from.
  const parsing = options.generate !== false && jsonFaithful(plan.specData) ? parseSpecInStartedWorker(specPath, plan.specText) : undefined;
  const foreseen = parsing && foreseenSpec(specPath, plan.specText, plan.specData, parsing);
  let written: Written;
  try {
    written = await generateAndWrite({ root, specPath, files, fileData: plan.fileData, fresh: plan.newFiles, userFiles: plan.userFiles, remove: plan.remove, options, ...(foreseen ? { foreseen } : {}) });
  } catch (error) {
    if (error instanceof SpecError && r.tools.some((t) => t.name === unbuildableTool(error))) return error;
    throw error;
  }
  printOpenApiReport(r, written, root, started);
  return 'done';
  }
}

export async function importSchemaCommand(patterns: string[], options: CommonImportOptions & { as?: string }): Promise<void> {
  const started = Date.now();
  useGenerationJitBudget();
  const as = options.as ?? 'tool';
  if (as !== 'tool' && as !== 'resource') throw new UserError(`--as ${as}: use tool or resource`);
  const { specPath, root, specText } = project(options.spec);
  const paths = expandGlobs(patterns);
  if (paths.length === 0) throw new UserError(`no schema file matches ${patterns.join(' ')}`);
  const schemas = await Promise.all(paths.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
  const plan = planSchemaImport({ root, specText, schemas, as });
  const files = new Map<string, string>([['__spec__', plan.specText], ...plan.files]);
  const written = await generateAndWrite({ root, specPath, files, userFiles: new Map(), remove: [], options });
  for (const e of plan.entries) process.stdout.write(`  ${e.kind} ${e.name} ← ${e.schema}\n`);
  process.stdout.write(`Imported ${plan.entries.length} ${as}${plan.entries.length === 1 ? '' : 's'} in ${seconds(started)}: ${written.written} files written${written.warnings ? `, ${written.warnings} lint warnings` : ''}.\n`);
}

interface Written {
  written: number;
  removed: number;
  warnings: number;
}

/** A lint warning (`... [rule]`), as opposed to a note of the sync (a handler left unserved). */
const isLintWarning = (w: string) => /\[[\w-]+\]$/.test(w);

/**
 * Plans generation from the planned spec in memory (`planProject` with an overlay: the generation
 * cache, surgical handler merges, imported handlers seen as existing), lints (failing on warnings
 * with --strict, or on handler conflicts), then writes the spec, schemas, user files and the
 * generation plan in one go.
 */
async function generateAndWrite(input: {
  root: string;
  specPath: string;
  files: Map<string, string>;
  /** What some of `files` (JSON) were made from, by the same paths (see LoadSpecOptions.fileData). */
  fileData?: ReadonlyMap<string, unknown>;
  /** Paths of `files` known not to exist (written in place, see `writeFiles`). */
  fresh?: ReadonlySet<string>;
  userFiles: Map<string, string>;
  remove: string[];
  options: CommonImportOptions;
  foreseen?: ForeseenSpec;
}): Promise<Written> {
  const { root, specPath, options } = input;
  const writes = new Map<string, string>();
  for (const [path, text] of input.files) writes.set(path === '__spec__' ? relative(root, specPath).split(sep).join('/') : path, text);
  for (const [path, text] of input.userFiles) writes.set(path, text);
  const removals = new Set(input.remove.filter((p) => !writes.has(p)));

  if (options.generate === false) {
    const writing = step('Writing the project');
    await writeFiles(root, writes, input.fresh);
    await Promise.all([...removals].map((path) => rm(join(root, path), { force: true })));
    writing.done(`${writes.size} written, ${removals.size} removed`);
    return { written: writes.size, removed: removals.size, warnings: 0 };
  }

  const generating = step('Generating types, validators and the manifest');
  const overlay = new Map<string, string>();
  for (const [path, text] of writes) overlay.set(join(root, path), text);
  const overlayData = new Map<string, unknown>();
  for (const [path, data] of input.fileData ?? []) if (overlay.get(join(root, path)) === input.files.get(path)) overlayData.set(join(root, path), data);
  let plan: SyncPlan;
  let tools: number;
  try {
    const budget = positiveInt('--token-budget', options.tokenBudget);
    // The new handlers were written for this spec just now: no merge (and no ts-morph) for them.
    const planned = new Set(input.userFiles.keys());
    const outcome = await planProject({ specPath, overlay, overlayData, planned, ...(budget ? { lint: { tokenBudget: budget } } : {}), ...(input.foreseen ? { foreseen: input.foreseen } : {}) });
    if (outcome.upToDate) throw new Error('unreachable: a plan with an overlay is never up to date');
    plan = outcome.plan;
    tools = outcome.spec.tools.length;
  } catch (error) {
    generating.fail();
    throw error;
  }
  const lintWarnings = plan.warnings.filter(isLintWarning);
  if (options.strict && lintWarnings.length > 0) {
    generating.fail();
    throw new UserError(`--strict: ${lintWarnings.length} lint warning${lintWarnings.length === 1 ? '' : 's'}, nothing written:\n${lintWarnings.map((w) => `  ${w}`).join('\n')}`);
  }
  if (plan.conflicts.length > 0) {
    generating.fail();
    const list = plan.conflicts.map((c) => `  ${c.path}\n    found:    ${c.found}\n    expected: ${c.expected}`).join('\n');
    throw new UserError(`${plan.conflicts.length} handler file${plan.conflicts.length === 1 ? '' : 's'} cannot be updated safely, so nothing was written:\n${list}\nMake each file match the expected shape, then import again.`);
  }
  generating.done(`${tools} tools, ${plan.write.size + plan.unchanged.length} files, ${plan.emitted} of ${plan.entries} entries generated`);

  const writing = step('Writing the project');
  // The plan's surgical updates of handlers take precedence over the imported text of the same file.
  for (const path of plan.update.keys()) writes.delete(path);
  for (const path of plan.create.keys()) writes.delete(path);
  for (const path of plan.remove) removals.delete(path);
  await commitPlan(root, plan, { write: writes, remove: removals, ...(input.fresh ? { fresh: input.fresh } : {}) });
  const written = writes.size + plan.write.size + plan.create.size + plan.update.size;
  const removed = removals.size + plan.remove.length;
  writing.done(`${written} written, ${removed} removed`);
  printWarnings(lintWarnings);
  for (const w of plan.warnings) if (!isLintWarning(w)) process.stderr.write(`warning: ${w}\n`);
  return { written, removed, warnings: lintWarnings.length };
}

/** Warnings grouped by rule: a large API can have hundreds of the same kind. */
function printWarnings(warnings: string[]): void {
  if (warnings.length === 0) return;
  const byRule = new Map<string, string[]>();
  for (const w of warnings) {
    const rule = /\[([\w-]+)\]$/.exec(w)?.[1] ?? 'other';
    byRule.set(rule, [...(byRule.get(rule) ?? []), w]);
  }
  process.stderr.write(`\n${warnings.length} lint warning${warnings.length === 1 ? '' : 's'} (--strict turns them into errors):\n`);
  for (const [rule, items] of byRule) {
    process.stderr.write(`  ${rule}: ${items.length}\n`);
    for (const w of items.slice(0, 3)) process.stderr.write(`    warning: ${w}\n`);
    if (items.length > 3) process.stderr.write(`    … and ${items.length - 3} more (\`mcpforge generate\` lists them all)\n`);
  }
}

function printOpenApiReport(r: ImportReport, written: Written, root: string, started: number): void {
  const out = process.stdout;
  out.write(`\nImported ${r.tools.length} tools from ${r.api} (OpenAPI ${r.version}, ${r.operations} operations) in ${seconds(started)}.\n`);
  if (r.tools.length <= 30) for (const t of r.tools) out.write(`  ${t.name.padEnd(32)} ${t.method} ${t.path}\n`);
  if (r.removedTools.length > 0) out.write(`Removed ${r.removedTools.length} tools gone from the description (their handler files are kept): ${r.removedTools.join(', ')}\n`);
  for (const s of r.skipped) process.stderr.write(`warning: skipped ${s.operation}: ${s.reason.replace(/\n/g, ' ')}\n`);
  if (r.degraded.length > 0) {
    process.stderr.write(`warning: ${r.degraded.length} schema construct${r.degraded.length === 1 ? '' : 's'} relaxed (not checked by the server; the tools' descriptions say so; --strict refuses them):\n`);
    for (const d of r.degraded.slice(0, 10)) process.stderr.write(`  ${d}\n`);
    if (r.degraded.length > 10) process.stderr.write(`  … and ${r.degraded.length - 10} more\n`);
  }
  if (r.notes.length > 0) {
    out.write(`${r.notes.length} notes (renamed inputs, skipped parts):\n`);
    for (const n of r.notes.slice(0, 10)) out.write(`  ${n}\n`);
    if (r.notes.length > 10) out.write(`  … and ${r.notes.length - 10} more\n`);
  }
  out.write(`Schemas: schemas/${r.slug}/ · handlers: src/tools/ · upstream client: src/upstream/client.ts, src/upstream/${r.slug}.ts\n`);
  out.write(`Environment: ${r.env.join(', ')}\n`);
  out.write(`${written.written} files written, ${written.removed} removed${written.warnings ? `, ${written.warnings} lint warnings` : ''}. Next: cd ${relative(process.cwd(), root) || '.'} && npm run build\n`);
}

function seconds(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

/** `schemas/*.json`, `defs/**\/*.json`: a small glob (`*`, `?`, `**`) for shells that do not expand. */
export function expandGlobs(patterns: string[]): string[] {
  const out = new Set<string>();
  for (const pattern of patterns) {
    if (!/[*?]/.test(pattern)) {
      out.add(resolve(pattern));
      continue;
    }
    const absolute = resolve(pattern);
    const segments = absolute.split(sep);
    const firstGlob = segments.findIndex((s) => /[*?]/.test(s));
    const base = segments.slice(0, firstGlob).join(sep) || sep;
    const regex = new RegExp(
      '^' +
        segments
          .slice(firstGlob)
          .join('/')
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '\u0000')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')
          .replace(/\u0000/g, '(?:.*/)?') +
        '$',
    );
    if (!existsSync(base)) continue;
    const walk = (d: string) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(p);
        } else if (regex.test(relative(base, p).split(sep).join('/'))) out.add(p);
      }
    };
    walk(base);
  }
  return [...out].sort();
}

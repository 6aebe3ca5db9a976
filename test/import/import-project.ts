/**
 * `mcpforge import openapi` as the CLI runs it, in memory: plan the import, plan generation with
 * the planned files as an overlay, and return every file the project would hold (spec, schemas,
 * user files, generated files, the app template's server.ts). Tests type-check the result with
 * one shared TypeScript program and may write it under the toolkit's .tmp/ to load it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { planProject } from '../../generators/generate/project.js';
import { planOpenApiImport, readOpenApi, type ImportOpenApiOptions, type ImportReport } from '../../generators/openapi/index.js';
import { SpecError } from '../../generators/shared/spec/errors.js';
import { unbuildableTool } from '../../cli/commands/import.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

export const CLIENT_SOURCE = readFileSync(join(TOOLKIT_ROOT, 'templates/openapi/client.ts'), 'utf8');
const SERVER_SOURCE = readFileSync(join(TOOLKIT_ROOT, 'templates/app/src/server.ts'), 'utf8');

/** Reads the description as the CLI does (readOpenApi: Swagger 2.0 is converted). */
async function readOpenApiText(root: string, docText: string) {
  const file = join(root, '..', `${basename(root)}.openapi.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, docText);
  return readOpenApi(file);
}

export interface ImportedProject {
  files: Map<string, string>;
  report: ImportReport;
  warnings: string[];
  conflicts: string[];
  /** Tools skipped because their types or validator cannot be generated (`skipUnbuildable`). */
  unbuildable: Array<{ name: string; reason: string }>;
}

export interface InMemoryImportOptions extends ImportOpenApiOptions {
  /** As the CLI does without --strict: skip a tool whose types or validator cannot be generated and plan again. */
  skipUnbuildable?: boolean;
}

/** `root` is emptied first: the planner reads project files from it. */
export async function importInMemory(root: string, docText: string, options: InMemoryImportOptions = {}, specText = 'name: fuzz\nversion: 0.1.0\ntools: {}\n'): Promise<ImportedProject> {
  rmSync(root, { recursive: true, force: true });
  const doc = await readOpenApiText(root, docText);
  const { skipUnbuildable, ...importOptions } = options;
  const unbuildable: ImportedProject['unbuildable'] = [];
  // The CLI's loop (cli/commands/import.ts): at most 20 skipped tools, then the error stands.
  for (let attempt = 0; ; attempt++) {
    const excludeOps = [...(importOptions.excludeOps ?? []), ...unbuildable.map((u) => u.name)];
    try {
      return { ...(await planInMemory(root, doc, { ...importOptions, excludeOps }, specText)), unbuildable };
    } catch (error) {
      const tool = error instanceof SpecError ? unbuildableTool(error) : undefined;
      if (!skipUnbuildable || attempt >= 20 || !tool || unbuildable.some((u) => u.name === tool)) throw error;
      unbuildable.push({ name: tool, reason: (error as SpecError).detail });
    }
  }
}

async function planInMemory(root: string, doc: Awaited<ReturnType<typeof readOpenApi>>, options: ImportOpenApiOptions, specText: string): Promise<Omit<ImportedProject, 'unbuildable'>> {
  const plan = planOpenApiImport({ doc, specText, readProjectFile: () => undefined, listProjectFiles: () => [], clientSource: CLIENT_SOURCE, options });
  const files = new Map<string, string>([['mcpforge.yaml', plan.specText], ...plan.files, ...plan.userFiles]);
  const overlay = new Map([...files].map(([path, text]) => [join(root, path), text]));
  const outcome = await planProject({ specPath: join(root, 'mcpforge.yaml'), overlay, useCache: false });
  if (outcome.upToDate) throw new Error('unreachable');
  const sync = outcome.plan;
  for (const [path, text] of sync.write) files.set(path, text);
  for (const [path, text] of sync.create) files.set(path, text);
  for (const [path, { text }] of sync.update) files.set(path, text);
  files.set('src/server.ts', SERVER_SOURCE);
  return { files, report: plan.report, warnings: sync.warnings, conflicts: sync.conflicts.map((c) => `${c.path}: found ${c.found}, expected ${c.expected}`) };
}

/** Writes the files under `root` (emptied first), with a package.json that makes .js files ESM. */
export function writeProject(root: string, files: ReadonlyMap<string, string>): void {
  rmSync(root, { recursive: true, force: true });
  for (const [path, text] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
}

import path from 'node:path';
import { SpecError, throwIfAny } from '../spec/errors.js';
import { formatLintIssue, lintSpec, type LintOptions } from '../spec/lint.js';
import type { LoadedSchema, LoadedSpec } from '../spec/types.js';
import { emitHandlers } from './emit-handlers.js';
import { emitManifest } from './emit-manifest.js';
import { emitRegistry } from './emit-registry.js';
import { emitDatabaseStub, emitPromptStub, emitResourceStub, emitToolStub } from './emit-stubs.js';
import { emitParamsType, emitTypes } from './emit-types.js';
import { VALIDATOR_DTS, ValidatorCompiler } from './emit-validators.js';
import { formatTypeScript } from './format.js';
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
}

export interface GeneratedProject {
  /** `src/generated/**`: rewritten on every generation. Keys are project-relative POSIX paths. */
  files: Map<string, string>;
  /** User-owned files to create only when missing (handler stubs, src/db/schema.ts). */
  userFiles: Map<string, string>;
  /** Lint warnings, formatted `file:line:col pointer: warning: ... [rule]`. */
  warnings: string[];
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
  const validators = new ValidatorCompiler();

  const addValidator = (base: string, loaded: LoadedSchema, what: string) => {
    let code: string;
    try {
      code = validators.compile(loaded);
    } catch (error) {
      throw new SpecError({ ...loaded.location, message: `cannot compile a validator for ${what}: ${(error as Error).message}`, hint: 'fix the schema (run `mcpforge check` for details)' });
    }
    files.set(`${base}.js`, header + code);
    files.set(`${base}.d.ts`, header + VALIDATOR_DTS);
  };
  const addUser = (file: string, text: string) => {
    if (!options.readUserFile || options.readUserFile(file) === undefined) userFiles.set(file, text);
  };

  for (const tool of spec.tools) {
    const n = names.tools.get(tool.name)!;
    const roots = [{ name: n.input, schema: tool.input }, ...(tool.output ? [{ name: n.output, schema: tool.output }] : [])];
    files.set(paths.toolTypes(tool.name), header + (await emitTypes(roots)));
    addValidator(paths.toolInputValidator(tool.name), tool.input, `the input of tool "${tool.name}"`);
    if (tool.output) addValidator(paths.toolOutputValidator(tool.name), tool.output, `the output of tool "${tool.name}"`);
    addUser(paths.toolHandler(tool.name), emitToolStub(tool, names));
  }
  for (const resource of spec.resources) {
    const n = names.resources.get(resource.name)!;
    const data = resource.schema ? await emitTypes([{ name: n.data, schema: resource.schema }]) : '';
    files.set(paths.resourceTypes(resource.name), header + emitParamsType(n.params, resource.variables) + '\n' + data);
    if (resource.schema) addValidator(paths.resourceValidator(resource.name), resource.schema, `the data of resource "${resource.name}"`);
    addUser(paths.resourceHandler(resource.name), emitResourceStub(resource, names));
  }
  for (const prompt of spec.prompts) {
    const n = names.prompts.get(prompt.name)!;
    const args = prompt.arguments
      ? await emitTypes([{ name: n.args, schema: prompt.arguments }])
      : `/** This prompt takes no arguments. */\nexport type ${n.args} = Record<never, never>;\n`;
    files.set(paths.promptTypes(prompt.name), header + args);
    if (prompt.arguments) addValidator(paths.promptValidator(prompt.name), prompt.arguments, `the arguments of prompt "${prompt.name}"`);
    addUser(paths.promptHandler(prompt.name), emitPromptStub(prompt, names));
  }
  files.set(paths.manifest, header + emitManifest(spec));
  files.set(paths.registry, header + emitRegistry(spec, names));
  files.set(paths.handlers, header + emitHandlers(spec));
  addUser(paths.database, emitDatabaseStub());

  await formatTypeScript(files);
  await formatTypeScript(userFiles);
  const base = path.dirname(spec.specPath);
  return { files: sorted(files), userFiles: sorted(userFiles), warnings: lint.warnings.map((w) => formatLintIssue(w, base)) };
}

/** Insertion order is already deterministic; sorting makes listings stable across spec edits too. */
function sorted(map: Map<string, string>): Map<string, string> {
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Type-checks generated projects held in memory with ONE TypeScript LanguageService that lives
 * across checks: the standard library, @types/node, the runtime's and the SDK's declarations are
 * parsed once, and each check only re-reads the project files that changed. A `tsc` process per
 * check costs seconds; this costs tens of milliseconds once warm.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** The compiler options of a generated project's tsconfig.json (templates/app/tsconfig.json). */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
  forceConsistentCasingInFileNames: true,
  types: ['node'],
  noEmit: true,
};

export class ProjectTypeChecker {
  private files = new Map<string, { text: string; version: number }>();
  private dirs = new Set<string>();
  private readonly service: ts.LanguageService;
  private readonly options: ts.CompilerOptions;

  /**
   * `root` must be a folder whose ancestors hold node_modules (e.g. under the toolkit's .tmp/).
   * `emit: true` makes `emit()` available: the JavaScript a build writes.
   */
  constructor(readonly root: string, { emit = false } = {}) {
    this.options = emit ? { ...OPTIONS, noEmit: false, rootDir: root, outDir: join(root, '.out') } : OPTIONS;
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [...this.files.keys()].filter((f) => f.endsWith('.ts')),
      getScriptVersion: (file) => String(this.files.get(file)?.version ?? 0),
      getScriptSnapshot: (file) => {
        const text = this.files.get(file)?.text ?? (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => root,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (file) => this.files.has(file) || (!file.startsWith(`${root}/`) && existsSync(file)),
      readFile: (file) => this.files.get(file)?.text ?? (file.startsWith(`${root}/`) ? undefined : existsSync(file) ? readFileSync(file, 'utf8') : undefined),
      directoryExists: (dir) => this.dirs.has(dir) || (!dir.startsWith(`${root}/`) && dir !== root && existsSync(dir) && statSync(dir).isDirectory()),
      getDirectories: (dir) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : []),
      realpath: ts.sys.realpath,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** Replaces the project's files (project-relative paths); unchanged texts keep their version. */
  setFiles(files: ReadonlyMap<string, string>): void {
    const next = new Map<string, { text: string; version: number }>();
    for (const [path, text] of [...files, ['package.json', '{ "type": "module" }'] as const]) {
      const full = join(this.root, path);
      const previous = this.files.get(full);
      next.set(full, previous && previous.text === text ? previous : { text, version: (previous?.version ?? 0) + 1 });
    }
    this.files = next;
    this.dirs = new Set([this.root]);
    for (const file of next.keys()) for (let dir = dirname(file); dir.startsWith(this.root) && !this.dirs.has(dir); dir = dirname(dir)) this.dirs.add(dir);
  }

  /** Every error in the project's own files, formatted `path(line,col): message`. */
  check(): string[] {
    const program = this.service.getProgram();
    if (!program) throw new Error('no program');
    const out: string[] = [];
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    for (const file of this.files.keys()) {
      if (!file.endsWith('.ts')) continue;
      const source = program.getSourceFile(file);
      if (source) diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
    }
    for (const d of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (d.file && d.start !== undefined) {
        const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
        out.push(`${d.file.fileName.slice(this.root.length + 1)}(${line + 1},${character + 1}): ${message}`);
      } else out.push(message);
    }
    return out;
  }

  /**
   * The JavaScript of the last checked files, by their own path (`src/x.ts` → `src/x.js`), from
   * the program `check()` built: nothing is parsed or checked again.
   */
  emit(): Map<string, string> {
    if (this.options.noEmit) throw new Error('this checker was created without { emit: true }');
    const program = this.service.getProgram();
    if (!program) throw new Error('no program');
    const out = new Map<string, string>();
    const outDir = `${this.options.outDir}/`;
    const result = program.emit(undefined, (file, text) => out.set(file.slice(outDir.length), text));
    if (result.emitSkipped) throw new Error(`emit skipped: ${result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
    return out;
  }
}

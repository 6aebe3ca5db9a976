import path from 'node:path';

/** Where in a source file something is. `line` and `column` are 1-based; 0 when unknown. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface SpecErrorInit {
  file: string;
  line?: number;
  column?: number;
  /** JSON pointer into the file's document ('' for the whole document). */
  pointer?: string;
  message: string;
  /** What to do about it; printed after an em dash. */
  hint?: string;
}

/**
 * One problem with the spec or a schema it points to. Carries the position so that a CLI, an
 * editor integration or a test can each render it their own way; `format()` is the CLI's way.
 */
export class SpecError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly pointer: string;
  readonly hint: string | undefined;
  /** The message without location or hint (Error#message carries the formatted line). */
  readonly detail: string;

  constructor(init: SpecErrorInit) {
    super(formatParts(init.file, init.line ?? 0, init.column ?? 0, init.pointer ?? '', init.message, init.hint));
    this.name = 'SpecError';
    this.file = init.file;
    this.line = init.line ?? 0;
    this.column = init.column ?? 0;
    this.pointer = init.pointer ?? '';
    this.detail = init.message;
    this.hint = init.hint;
  }

  /** `mcpforge.yaml:12:5 /tools/bad name: invalid tool name "bad name" — use ...` (file relative to `cwd`). */
  format(cwd: string = process.cwd()): string {
    return formatParts(displayPath(this.file, cwd), this.line, this.column, this.pointer, this.detail, this.hint);
  }
}

/** Several problems found in one pass, so the user can fix them all before re-running. */
export class SpecErrors extends Error {
  readonly errors: SpecError[];

  constructor(errors: SpecError[]) {
    super(
      `${errors.length} problem${errors.length === 1 ? '' : 's'} in the spec:\n` +
        errors.map((e) => `  ${e.message}`).join('\n'),
    );
    this.name = 'SpecErrors';
    this.errors = errors;
  }

  format(cwd: string = process.cwd()): string {
    return this.errors.map((e) => e.format(cwd)).join('\n');
  }
}

/** Throws a single SpecError as itself and several as a SpecErrors aggregate. */
export function throwIfAny(errors: SpecError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new SpecErrors(errors);
}

function formatParts(file: string, line: number, column: number, pointer: string, message: string, hint?: string): string {
  const where = line > 0 ? `${file}:${line}:${column}` : file;
  const at = pointer ? ` ${pointer}` : '';
  return `${where}${at}: ${message}${hint ? ` — ${hint}` : ''}`;
}

function displayPath(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}

import { formatDeclaration } from './format-declarations.js';

/**
 * The house format of generated TypeScript (also what a user's project formats with).
 * Generated code is parsed with prettier's `babel-ts` parser instead (`format` below): the same
 * printer, so the same bytes (the tests compare against these options, and the GitHub import's
 * declarations come out identical) for ~3/4 of the CPU time: one thread's
 * share of those, cold, 1.9 → 1.4 s (bench/README.md, round eight). The parsing of the TypeScript
 * compiler that prettier bundles is the difference. Text babel cannot parse gets `typescript`.
 */
export const PRETTIER_OPTIONS = { parser: 'typescript', singleQuote: true, printWidth: 100 } as const;

/**
 * prettier, loaded by the first text left to format: a regeneration whose fresh files are all
 * reused, already formatted or past FORMAT_LIMIT (a 1,000-tool manifest) never pays its loading.
 */
let prettier: Promise<typeof import('prettier')> | undefined;
async function format(text: string, options: typeof PRETTIER_OPTIONS): Promise<string> {
  const loaded = await (prettier ??= import('prettier'));
  try {
    return await loaded.format(text, { ...options, parser: 'babel-ts' });
  } catch {
    return loaded.format(text, options);
  }
}

/**
 * Past this size a file is left as emitted (already indented): prettier takes seconds on a
 * multi-megabyte manifest (the GitHub REST API's is ~5 MB) and nobody reads it by hand.
 */
export const FORMAT_LIMIT = 256 * 1024;

/**
 * Formatted text of small inputs, by input: the same text formats to the same bytes, and a large
 * project repeats some files many times (every validator's `.d.ts` is identical). Bounded.
 */
const memo = new Map<string, string>();
const MEMO_TEXT_LIMIT = 4096;
const MEMO_ENTRIES = 512;

/**
 * Small files are formatted several at a time, as one source separated by a marker comment:
 * prettier's fixed cost per call (options, plugins) is most of the time for a small file, and
 * generated modules are top-level declarations that prettier formats one by one, so each part
 * comes out exactly as it would on its own (leading/trailing blank lines normalised as prettier
 * does for a whole file). Any doubt (a parse error, a marker count that does not match) falls
 * back to one call per file.
 */
const BATCH_CHARS = 48 * 1024;
const SPLIT = '// @@mcpforge-format-split@@';

/** The generated type modules: top-level type declarations only (see `declarationsOf`). */
const TYPE_MODULES = 'src/generated/types/';

/**
 * Formatted top-level declarations of type modules, by their unformatted text: the type compiler
 * emits a shared schema (GitHub's `SimpleUser`, `Repository`...) into every module that uses it,
 * so ~20% of the GitHub import's declaration text repeats; each distinct one is formatted once.
 * Bounded.
 */
const declarations = new Map<string, string>();
const DECLARATION_ENTRIES = 8192;

function rememberDeclaration(text: string, out: string): void {
  if (declarations.size >= DECLARATION_ENTRIES) declarations.delete(declarations.keys().next().value!);
  declarations.set(text, out);
}

/** Formats every `.ts` file of the map in place; other files (validators) are left as emitted. */
export async function formatTypeScript(files: Map<string, string>): Promise<void> {
  /** Type modules to assemble from their declarations, once those are formatted. */
  const assemble: Array<[string, string[]]> = [];
  /** Formatted declarations this call uses (the memo may drop some meanwhile). */
  const ready = new Map<string, string>();
  /** Texts to format: whole files by path, distinct declarations by a key of their own. */
  const todo = new Map<string, string>();
  for (const [path, text] of files) {
    if (!path.endsWith('.ts') || text.length > FORMAT_LIMIT) continue;
    const known = memo.get(text);
    if (known !== undefined) {
      files.set(path, known);
      continue;
    }
    const parts = path.startsWith(TYPE_MODULES) ? declarationsOf(text) : undefined;
    if (!parts) {
      todo.set(path, text);
      continue;
    }
    assemble.push([path, parts]);
    for (const part of parts) {
      let done = declarations.get(part);
      if (done === undefined && (done = formatDeclaration(part)) !== undefined) rememberDeclaration(part, done);
      if (done !== undefined) ready.set(part, done);
      else todo.set(`\0${part}`, part);
    }
  }
  for (const [key, out] of await formatAll(todo)) {
    if (!key.startsWith('\0')) {
      files.set(key, out);
      continue;
    }
    ready.set(key.slice(1), out);
    rememberDeclaration(key.slice(1), out);
  }
  for (const [path, parts] of assemble) {
    // prettier keeps one blank line between two top-level statements when the source had any.
    const text = parts.map((part, i) => ready.get(part)! + (i + 1 < parts.length && part.endsWith('\n\n') ? '\n' : '')).join('');
    remember(files.get(path)!, text);
    files.set(path, text);
  }
}

/**
 * A type module cut into its top-level declarations (each with its leading doc comment; the
 * first part is what comes before the first one: the header), such that formatting each part on
 * its own and joining them (a blank line where the source had one) gives what formatting the
 * whole module gives: prettier formats top-level statements one by one, and the type compiler's
 * unformatted output starts each one at column 0 with `export interface` or `export type`
 * (members are not indented, but never start with `export `). Checked equal on the GitHub
 * import's 1,223 type modules and by test/unit/codegen/format.test.ts. Undefined: nothing to cut.
 */
export function declarationsOf(text: string): string[] | undefined {
  const lines = text.split('\n');
  const starts = [0];
  for (let i = 1; i < lines.length; i++) {
    if (!/^export (?:interface|type) /.test(lines[i]!)) continue;
    let start = i;
    if (lines[i - 1] === ' */') {
      start = i - 1;
      while (start > 0 && !lines[start]!.startsWith('/**')) start--;
    }
    if (start > starts[starts.length - 1]!) starts.push(start);
  }
  if (starts.length === 1) return undefined;
  return starts.map((start, k) => lines.slice(start, starts[k + 1] ?? lines.length).join('\n') + (k + 1 < starts.length ? '\n' : ''));
}

/** Formats texts by key: small ones several at a time (`formatBatch`), each as a file of its own. */
async function formatAll(texts: Map<string, string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let batch: Array<[string, string]> = [];
  let size = 0;
  const flush = async () => {
    if (batch.length > 0) for (const [key, text] of await formatBatch(batch)) out.set(key, text);
    batch = [];
    size = 0;
  };
  for (const [key, text] of texts) {
    const known = memo.get(text);
    if (known !== undefined) out.set(key, known);
    else if (text.length > BATCH_CHARS || text.includes(SPLIT)) out.set(key, await formatOne(text));
    else {
      batch.push([key, text]);
      size += text.length;
      if (size >= BATCH_CHARS) await flush();
    }
  }
  await flush();
  return out;
}

async function formatOne(text: string): Promise<string> {
  let out = memo.get(text);
  if (out === undefined) {
    out = await format(text, PRETTIER_OPTIONS);
    remember(text, out);
  }
  return out;
}

function remember(text: string, out: string): void {
  if (text.length > MEMO_TEXT_LIMIT) return;
  if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
  memo.set(text, out);
}

async function formatBatch(batch: Array<[string, string]>): Promise<Array<[string, string]>> {
  const one = async () => Promise.all(batch.map(async ([path, text]) => [path, await formatOne(text)] as [string, string]));
  if (batch.length === 1) return one();
  const joined = batch.map(([, text]) => (text.endsWith('\n') ? text : `${text}\n`)).join(`${SPLIT}\n`);
  let formatted: string;
  try {
    formatted = await format(joined, PRETTIER_OPTIONS);
  } catch {
    return one();
  }
  const parts = formatted.split(new RegExp(`^${SPLIT}\\n`, 'm'));
  if (parts.length !== batch.length || parts.some((p) => p.trim() === '')) return one();
  return batch.map(([path, text], i) => {
    const out = `${parts[i]!.replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
    remember(text, out);
    return [path, out];
  });
}

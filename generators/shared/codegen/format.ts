import { format } from 'prettier';

/** The house format of generated TypeScript (also what a user's project formats with). */
export const PRETTIER_OPTIONS = { parser: 'typescript', singleQuote: true, printWidth: 100 } as const;

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

/** Formats every `.ts` file of the map in place; other files (validators) are left as emitted. */
export async function formatTypeScript(files: Map<string, string>): Promise<void> {
  let batch: Array<[string, string]> = [];
  let size = 0;
  const flush = async () => {
    if (batch.length > 0) for (const [path, text] of await formatBatch(batch)) files.set(path, text);
    batch = [];
    size = 0;
  };
  for (const [path, text] of files) {
    if (!path.endsWith('.ts') || text.length > FORMAT_LIMIT) continue;
    const known = memo.get(text);
    if (known !== undefined) files.set(path, known);
    else if (text.length > BATCH_CHARS || text.includes(SPLIT)) files.set(path, await formatOne(text));
    else {
      batch.push([path, text]);
      size += text.length;
      if (size >= BATCH_CHARS) await flush();
    }
  }
  await flush();
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

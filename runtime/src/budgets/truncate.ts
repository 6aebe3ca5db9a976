/**
 * Output budgets, the pure half: how many tokens a tool result costs a model, and how a result over
 * its budget is cut without ever cutting JSON in the middle silently.
 *
 * Token rule (documented in docs/clients.md#output-budgets): characters / 4, rounded up, over what
 * the model reads — the text of text blocks, the text or data of embedded resources, images and
 * audio, and `structuredContent` as JSON when no text block already carries that JSON. The same
 * rule as the lint's tokens per tool.
 *
 * Two shapes of cut:
 * - a result without `structuredContent`: blocks are kept in order while they fit; the first text
 *   block that does not fit is cut at the budget, the rest is dropped; a note says so, first.
 * - a result with `structuredContent` (a tool with an output schema): the largest arrays inside the
 *   value lose trailing items until the result fits, and the trimmed value must still pass the
 *   output schema (so the client's own output validation holds); the text block is that trimmed
 *   value's JSON. When no trimmed value fits and validates, the result becomes a tool error whose
 *   text explains it — the full result is always linked either way.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';

/** Characters per token of the estimate (see the module comment). */
export const CHARS_PER_TOKEN = 4;
/** Error code of a structured result that could not be cut to its budget and stay valid. */
export const OUTPUT_TOO_LARGE = 'output_too_large';

type Block = CallToolResult['content'][number];

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

function blockChars(block: Block): number {
  switch (block.type) {
    case 'text':
      return block.text.length;
    case 'image':
    case 'audio':
      return block.data.length;
    case 'resource': {
      const r = block.resource as { text?: string; blob?: string };
      return (r.text ?? r.blob ?? '').length;
    }
    default:
      return JSON.stringify(block).length;
  }
}

/** Estimated tokens of a result as the model reads it. */
export function resultTokens(result: CallToolResult): number {
  let chars = 0;
  for (const block of result.content ?? []) chars += blockChars(block);
  if (result.structuredContent !== undefined) {
    const json = JSON.stringify(result.structuredContent);
    if (!(result.content ?? []).some((b) => b.type === 'text' && b.text === json)) chars += json.length;
  }
  return estimateTokens(chars);
}

export interface Cut {
  /** The blocks to show (before the note and the link are added). */
  content: Block[];
  /** `structuredContent` trimmed and still valid; absent for text-only results. */
  structuredContent?: Record<string, unknown>;
  /** One sentence for the note: what was kept. */
  kept: string;
}

/** Keeps whole blocks while they fit `chars`; cuts the first text block that does not (never inside a surrogate pair). */
export function cutContent(content: readonly Block[], chars: number): Cut {
  const out: Block[] = [];
  let left = chars;
  let total = 0;
  for (const block of content) total += blockChars(block);
  for (const block of content) {
    const size = blockChars(block);
    if (size <= left) {
      out.push(block);
      left -= size;
      continue;
    }
    if (block.type === 'text' && left > 0) {
      let end = left;
      const code = block.text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end--;
      out.push({ ...block, text: block.text.slice(0, end) });
      left -= end;
    }
    break;
  }
  return { content: out, kept: `the first ${chars - left} of ${total} characters are shown; text may end mid-word or mid-JSON` };
}

interface ArraySite {
  path: (string | number)[];
  length: number;
  chars: number;
}

/** Arrays inside a value (not inside other arrays' items beyond 3 levels), largest serialized first. */
function arraySites(value: unknown, path: (string | number)[] = [], depth = 0, into: ArraySite[] = []): ArraySite[] {
  if (depth > 8 || typeof value !== 'object' || value === null) return into;
  if (Array.isArray(value)) {
    if (value.length > 0) into.push({ path, length: value.length, chars: JSON.stringify(value).length });
    value.forEach((item, i) => arraySites(item, [...path, i], depth + 1, into));
  } else for (const [k, v] of Object.entries(value)) arraySites(v, [...path, k], depth + 1, into);
  return into;
}

function withArrayLength(value: unknown, path: readonly (string | number)[], length: number): unknown {
  if (path.length === 0) return (value as unknown[]).slice(0, length);
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, i) => (i === head ? withArrayLength(item, rest, length) : item));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head!]: withArrayLength(obj[head as string], rest, length) };
}

const pointer = (path: readonly (string | number)[]) => (path.length === 0 ? '' : `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);

/**
 * Trims the largest arrays of a structured value (trailing items) until its JSON fits `chars` and
 * `valid` accepts it; undefined when no such value exists.
 */
export function trimStructured(value: Record<string, unknown>, chars: number, valid: (v: unknown) => boolean): Cut | undefined {
  let current: unknown = value;
  const notes: string[] = [];
  for (let round = 0; round < 16 && JSON.stringify(current).length > chars; round++) {
    const site = arraySites(current).sort((a, b) => b.chars - a.chars)[0];
    if (!site) break;
    // The most items that still fit (binary search on the kept length).
    let lo = 0;
    let hi = site.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (JSON.stringify(withArrayLength(current, site.path, mid)).length <= chars) lo = mid;
      else hi = mid - 1;
    }
    current = withArrayLength(current, site.path, lo);
    notes.push(`${lo} of ${site.length} items of ${pointer(site.path) || 'the top-level array'}`);
  }
  const json = JSON.stringify(current);
  if (json.length > chars || !valid(current)) return undefined;
  return { content: [{ type: 'text', text: json }], structuredContent: current as Record<string, unknown>, kept: `kept ${notes.join(', ')}; the JSON shown is complete and valid` };
}

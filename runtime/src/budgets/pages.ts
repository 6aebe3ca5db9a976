/**
 * Paged results (spec `tools.<name>.pagination`): a structured result over its output budget, of a
 * tool that declares a cursor, is served as pages instead of one cut value and a link. The whole
 * result is stored once (store.ts, owned by the caller); each page is the full value with its items
 * array sliced and, at `nextCursor`, the runtime's cursor of the next page. A call whose cursor
 * argument is such a cursor reads the next page from the store, so the handler does not run again
 * for items the runtime already holds. The last page carries the tool's own next cursor, if it had
 * one, so paging continues into the tool's own pages. Every item is served exactly once, and every
 * page passes the output schema (checked; the spec check made sure `items` is an array and
 * `nextCursor` takes a string).
 */
import type { CallToolResult } from '@modelcontextprotocol/server';

/** Cursors the runtime hands out start with this; any other cursor is the tool's own and reaches the handler. */
export const PAGE_CURSOR_PREFIX = 'mcpforge-page:';

export interface PaginationSpec {
  cursor: string;
  items: string;
  nextCursor: string;
}

export interface PageCursor {
  id: string;
  offset: number;
}

export const pageCursor = (id: string, offset: number) => `${PAGE_CURSOR_PREFIX}${id}:${offset}`;

/** The runtime cursor in a call's arguments, if the call resumes a stored result. */
export function pageCursorIn(pagination: PaginationSpec, args: unknown): PageCursor | undefined {
  const value = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[pagination.cursor] : undefined;
  if (typeof value !== 'string' || !value.startsWith(PAGE_CURSOR_PREFIX)) return undefined;
  const match = /^([0-9a-f-]{36}):(\d{1,9})$/.exec(value.slice(PAGE_CURSOR_PREFIX.length));
  return match ? { id: match[1]!, offset: Number(match[2]) } : { id: '', offset: -1 };
}

const tokens = (pointer: string) => pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));

export function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const token of tokens(pointer)) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[token] : undefined;
  return node;
}

/** A copy of `value` with `pointer` set (or removed when `next` is undefined); copies only the path. */
function withValueAt(value: unknown, path: string[], next: unknown): unknown {
  const obj = { ...(value as Record<string, unknown>) };
  const [head, ...rest] = path;
  if (rest.length === 0) {
    if (next === undefined) delete obj[head!];
    else obj[head!] = next;
    return obj;
  }
  obj[head!] = withValueAt(obj[head!] ?? {}, rest, next);
  return obj;
}

export interface Page {
  value: Record<string, unknown>;
  /** Index of the first item after this page; equals `total` on the last page. */
  end: number;
  total: number;
  /** The runtime's cursor of the next page, or undefined on the last page. */
  next?: string;
}

/**
 * The page of `full` from `offset`: as many items as fit `chars` (at least one, so paging always
 * advances), undefined when `full` has no items array or the page does not pass `valid`.
 */
export function pageOf(full: Record<string, unknown>, pagination: PaginationSpec, id: string, offset: number, chars: number, valid: (v: unknown) => boolean): Page | undefined {
  const items = valueAt(full, pagination.items);
  if (!Array.isArray(items) || offset > items.length) return undefined;
  const own = valueAt(full, pagination.nextCursor);
  const build = (count: number) => {
    const end = offset + count;
    const next = end < items.length ? pageCursor(id, end) : undefined;
    let value = withValueAt(full, tokens(pagination.items), items.slice(offset, end));
    value = withValueAt(value, tokens(pagination.nextCursor), next ?? own);
    return { value: value as Record<string, unknown>, end, total: items.length, ...(next ? { next } : {}) };
  };
  let lo = Math.min(1, items.length - offset);
  let hi = items.length - offset;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (JSON.stringify(build(mid).value).length <= chars) lo = mid;
    else hi = mid - 1;
  }
  const page = build(lo);
  return valid(page.value) ? page : undefined;
}

/** The result of one page: a note on how to go on, then the page's JSON, and the page as `structuredContent`. */
export function pageResult(tool: string, pagination: PaginationSpec, page: Page, offset: number, why: string): CallToolResult {
  const own = valueAt(page.value, pagination.nextCursor);
  const how = page.next
    ? `To get the next page, call ${tool} again with the same arguments and "${pagination.cursor}": "${page.next}".`
    : typeof own === 'string' && own !== ''
      ? `These are the last items of this result; the tool's own next cursor is at ${pagination.nextCursor}: pass it as "${pagination.cursor}" to go on.`
      : 'This is the last page.';
  const note = `[Page of ${tool}'s result: items ${offset + 1} to ${page.end} of ${page.total} at ${pagination.items} (${why}). ${how}]`;
  return {
    content: [
      { type: 'text', text: note },
      { type: 'text', text: JSON.stringify(page.value) },
    ],
    structuredContent: page.value,
    _meta: { 'mcpforge/page': { offset, end: page.end, total: page.total, ...(page.next ? { nextCursor: page.next } : {}) } },
  };
}

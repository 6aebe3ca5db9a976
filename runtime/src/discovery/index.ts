/**
 * Progressive tool discovery for large APIs (`discovery: progressive`): `tools/list` shows three
 * tools — `search_tools` (BM25 over names, titles, descriptions and parameter names, by MiniSearch),
 * `describe_tool` (one tool's schema, shaped for the caller's client) and `call_tool` (runs a tool
 * exactly as a direct call: the same validation, scopes, limits and audit) — plus the tools the spec
 * pins. This module holds the index and the three tools' definitions; the server factory wires them
 * into dispatch (server/factory.ts), so every transport serves them the same way.
 *
 * @example
 * ```ts
 * const search = createToolSearch(Object.values(manifest.tools));
 * search.search('list pull requests', { limit: 5 }); // [{ name: 'pulls_list', score, ... }, ...]
 * ```
 */
import MiniSearch from 'minisearch';

export { DISCOVERY_TOOL_NAMES } from './names.js';

export { discoveryModeOf, PROGRESSIVE_DISCOVERY_THRESHOLD } from './names.js';

export interface SearchableTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ToolHit {
  name: string;
  title?: string;
  description: string;
  score: number;
}

export interface ToolSearch {
  /** Best matches first; `allowed` drops tools the caller may not use (scopes). */
  search(query: string, options?: { limit?: number; allowed?: (name: string) => boolean }): ToolHit[];
}

/** Parameter names of a tool (top level and one level down), as search words. */
function parameterWords(schema: Record<string, unknown>): string {
  const words: string[] = [];
  const visit = (node: unknown, depth: number) => {
    if (typeof node !== 'object' || node === null || depth > 2) return;
    const props = (node as Record<string, unknown>).properties;
    if (typeof props === 'object' && props !== null) {
      for (const [key, value] of Object.entries(props)) {
        words.push(key);
        visit(value, depth + 1);
      }
    }
  };
  visit(schema, 0);
  return words.join(' ');
}

const STOP_WORDS = new Set(['a', 'an', 'the', 'of', 'for', 'to', 'in', 'on', 'from', 'with', 'and', 'or', 'by', 'my', 'me', 'i', 'is', 'it', 'this', 'that', 'all', 'new']);

/** `repos_list_for_org` and `listForOrg` become separate words. */
const splitName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_.\-/]+/g, ' ');

/** The first sentence (or 200 characters) of a description, for search results. */
export function summary(description: string): string {
  const first = description.split(/(?<=\.)\s|\n/)[0] ?? description;
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}

export function createToolSearch(tools: readonly SearchableTool[]): ToolSearch {
  const index = new MiniSearch<{ id: string; name: string; title: string; description: string; params: string }>({
    fields: ['name', 'title', 'description', 'params'],
    storeFields: [],
    // Stop words carry no meaning in a task ("list the issues of a repo"); plural/singular and
    // typos are met by prefix and fuzzy matching of longer words only (short ones match too much).
    processTerm: (term) => {
      const word = term.toLowerCase();
      return STOP_WORDS.has(word) ? null : word;
    },
    searchOptions: { boost: { name: 3, title: 2, params: 0.5 }, prefix: (term) => term.length >= 4, fuzzy: (term) => (term.length >= 6 ? 0.15 : false), combineWith: 'OR' },
  });
  const byName = new Map(tools.map((t) => [t.name, t]));
  index.addAll(tools.map((t) => ({ id: t.name, name: splitName(t.name), title: t.title ?? '', description: t.description, params: parameterWords(t.inputSchema) })));
  return {
    search(query, options = {}) {
      const limit = Math.max(1, Math.min(options.limit ?? 10, 50));
      const hits: ToolHit[] = [];
      for (const result of index.search(query)) {
        const tool = byName.get(String(result.id));
        if (!tool || (options.allowed && !options.allowed(tool.name))) continue;
        hits.push({ name: tool.name, ...(tool.title ? { title: tool.title } : {}), description: summary(tool.description), score: Math.round(result.score * 100) / 100 });
        if (hits.length >= limit) break;
      }
      return hits;
    },
  };
}

/** The three discovery tools as `tools/list` shows them. */
export const DISCOVERY_TOOLS = {
  search_tools: {
    description: 'Finds the tools of this server for a task. Returns the best matches (name, summary); then call describe_tool for the schema of one and call_tool to run it.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 500, description: 'What you want to do, in a few words (e.g. "list open pull requests").' },
        limit: { type: 'integer', minimum: 1, maximum: 50, description: 'How many tools to return (default 10).' },
      },
      required: ['query'],
      additionalProperties: false,
    },
  },
  describe_tool: {
    description: "Returns one tool's description and input schema (the arguments call_tool takes for it).",
    inputSchema: {
      type: 'object',
      properties: { name: { type: 'string', minLength: 1, maxLength: 200, description: 'A tool name from search_tools.' } },
      required: ['name'],
      additionalProperties: false,
    },
  },
  call_tool: {
    description: 'Runs one tool of this server with its arguments (as described by describe_tool) and returns its result.',
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200, description: 'The tool to run.' },
        arguments: { type: 'object', description: "The tool's arguments, matching its input schema." },
      },
      required: ['name'],
      additionalProperties: false,
    },
  },
} as const;

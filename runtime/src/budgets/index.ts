/**
 * Output budgets: a tool result over its token budget is cut (truncate.ts) with a note saying so,
 * and the full result is stored (store.ts) and linked as a `resource_link` the same caller reads
 * with `resources/read`. Applied by the factory's `runTool` after the policy stage — the one place
 * every transport's calls pass —, so stdio, HTTP (SDK path and fast path), sessions and WebSocket
 * behave alike.
 *
 * The budget of a call: the tool's `maxOutputTokens`, else the server's (`MCP_MAX_OUTPUT_TOKENS`,
 * else the spec's `limits.maxOutputTokens`), capped by the calling client's profile (Claude's
 * clients cut tool output at 25,000 tokens). `MCP_MAX_OUTPUT_TOKENS=off` turns every budget off.
 */
import { budgetsActive } from './active.js';
import { randomUUID } from 'node:crypto';
import { ProtocolError, ResourceTemplate, type CallToolResult, type McpServer, type ReadResourceResult, type ServerContext } from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import { CLIENT_PROFILES, type ClientProfileName } from '../client-profiles/index.js';
import type { Manifest, ToolManifestEntry } from '../server/contract.js';
import { createResultStore, type StoredContent } from './store.js';
import { CHARS_PER_TOKEN, cutContent, OUTPUT_TOO_LARGE, resultTokens, trimStructured } from './truncate.js';
import { pageCursorIn, pageOf, pageResult, valueAt } from './pages.js';

export { estimateTokens, resultTokens, CHARS_PER_TOKEN, OUTPUT_TOO_LARGE } from './truncate.js';
export { createResultStore, type ResultStore, type StoredResult } from './store.js';
export { PAGE_CURSOR_PREFIX } from './pages.js';

/** Where full results are read: `resources/read` of `mcpforge://results/<id>`. */
export const RESULT_URI_PREFIX = 'mcpforge://results/';
const RESULT_TEMPLATE = `${RESULT_URI_PREFIX}{id}`;
/** Characters kept for the note and the link block inside the budget. */
const NOTE_RESERVE = 700;
/** Default of `MCP_RESULT_TTL_MS`. */
export const DEFAULT_RESULT_TTL_MS = 3_600_000;
/** The smallest budget a cut can honour (the note and the link need room). */
export const MIN_OUTPUT_TOKENS = 256;
/** resources/read of a result that is not there (expired, another caller's): the SDK's "resource not found". */
const RESOURCE_NOT_FOUND = -32002;

export interface OutputBudgetOptions {
  manifest: Manifest;
  db: Kysely<unknown>;
  /** `MCP_MAX_OUTPUT_TOKENS`: a number replaces the spec's server default; `off` turns every budget off. */
  serverDefault?: number | 'off';
  /** `MCP_RESULT_TTL_MS`: how long a full result stays readable. */
  ttlMs?: number;
  /** The profile every client gets (`MCP_CLIENT_PROFILE`/`clients.profile`); `auto` or absent: detected per client. */
  profile?: ClientProfileName | 'auto';
}

export interface CallBudgetContext {
  /** The caller's owner key (`callerKey(auth)`, as for tasks): only it reads the stored result. */
  owner: string;
  profile: ClientProfileName;
  /** The tool's output validator, for a trimmed `structuredContent`. */
  valid?: (value: unknown) => boolean;
}

export interface OutputBudgets {
  /** Whether any call can be cut (then the results template is registered on every instance). */
  readonly active: boolean;
  /** The budget of a call of `entry` from a client of `profile`; undefined: none. */
  budgetOf(entry: ToolManifestEntry, profile: ClientProfileName): number | undefined;
  /** Whether this call passes a cursor the runtime handed out (then `resume` answers it, not the handler). */
  resumes(entry: ToolManifestEntry, args: unknown): boolean;
  /** The next page of a stored result, for a call that `resumes`; an error result when the cursor is unknown or expired. */
  resume(entry: ToolManifestEntry, args: unknown, call: CallBudgetContext): Promise<CallToolResult>;
  /** The result as the client gets it: unchanged when within budget, else paged (tools with `pagination`) or cut, noted and linked. */
  apply(entry: ToolManifestEntry, result: CallToolResult, call: CallBudgetContext): Promise<CallToolResult>;
  /**
   * Registers the `mcpforge://results/{id}` template; `read` runs the lookup inside the caller's
   * audited section and returns the owner key of the request.
   */
  install(server: McpServer, read: (uri: string, sdkCtx: ServerContext, lookup: (owner: string) => Promise<ReadResourceResult>) => Promise<ReadResourceResult>): void;
}

export function createOutputBudgets(options: OutputBudgetOptions): OutputBudgets {
  const { manifest } = options;
  const off = options.serverDefault === 'off';
  const serverDefault = typeof options.serverDefault === 'number' ? options.serverDefault : manifest.limits?.maxOutputTokens;
  const ttlMs = options.ttlMs ?? DEFAULT_RESULT_TTL_MS;
  const store = createResultStore(options.db);
  const active = budgetsActive(manifest, options.serverDefault, options.profile);

  function budgetOf(entry: ToolManifestEntry, profile: ClientProfileName): number | undefined {
    if (off) return undefined;
    const own = entry.maxOutputTokens ?? serverDefault;
    const cap = CLIENT_PROFILES[profile].maxOutputTokens;
    const budget = own === undefined ? cap : cap === undefined ? own : Math.min(own, cap);
    return budget === undefined ? undefined : Math.max(budget, MIN_OUTPUT_TOKENS);
  }

  /** Characters a page's JSON may take: the budget (or, without one, the stored page size) less the note. */
  const pageChars = (budget: number) => budget * CHARS_PER_TOKEN - NOTE_RESERVE;

  return {
    active,
    budgetOf,
    resumes: (entry, args) => entry.pagination !== undefined && pageCursorIn(entry.pagination, args) !== undefined,
    async resume(entry, args, call) {
      const pagination = entry.pagination!;
      const cursor = pageCursorIn(pagination, args)!;
      const expired = (why: string) => ({ content: [{ type: 'text' as const, text: `The "${pagination.cursor}" cursor of ${entry.name} ${why}: call ${entry.name} again without it to start over.` }], isError: true });
      const found = cursor.offset < 0 ? undefined : await store.get(cursor.id, call.owner);
      if (!found || found.tool !== entry.name) return expired('is not known here (pages are kept for a limited time and only for the caller that made the first call)');
      const full = JSON.parse(found.contents[0]?.text ?? 'null') as Record<string, unknown>;
      const budget = budgetOf(entry, call.profile) ?? MIN_OUTPUT_TOKENS;
      const page = pageOf(full, pagination, found.id, cursor.offset, pageChars(budget), call.valid ?? (() => true));
      if (!page) {
        const items = valueAt(full, pagination.items);
        if (!Array.isArray(items) || cursor.offset > items.length) return expired('points past the end of its result');
        return expired(`leads to a page its output schema does not accept; the whole result is the resource ${RESULT_URI_PREFIX}${found.id} (resources/read)`);
      }
      return pageResult(entry.name, pagination, page, cursor.offset, `the whole is about ${resultTokens({ content: [], structuredContent: full })} tokens, over the output budget of ${budget} tokens; the rest is kept until ${new Date(found.expiresAt).toISOString()}`);
    },
    async apply(entry, result, call) {
      const budget = budgetOf(entry, call.profile);
      if (budget === undefined) return result;
      const tokens = resultTokens(result);
      if (tokens <= budget) return result;
      const id = randomUUID();
      const uri = `${RESULT_URI_PREFIX}${id}`;
      const stored = await store.put({ id, owner: call.owner, tool: entry.name, contents: storedContents(result), ttlMs });
      const chars = budget * CHARS_PER_TOKEN - NOTE_RESERVE;
      const whole = result.structuredContent as Record<string, unknown> | undefined | null;
      if (entry.pagination && !result.isError && whole !== undefined && whole !== null) {
        // A tool that declares a cursor: the first items that fit, and a cursor for the rest (pages.ts).
        const page = pageOf(whole, entry.pagination, id, 0, chars, call.valid ?? (() => true));
        if (page) return pageResult(entry.name, entry.pagination, page, 0, `the whole is about ${tokens} tokens, over the output budget of ${budget} tokens; the rest is kept until ${new Date(stored.expiresAt).toISOString()}`);
      }
      const structured = result.structuredContent as Record<string, unknown> | undefined | null;
      const cut = structured === undefined || structured === null ? cutContent(result.content ?? [], chars) : trimStructured(structured, chars, call.valid ?? (() => true));
      const who = call.profile === 'full' ? '' : ` for ${call.profile} clients`;
      const link = {
        type: 'resource_link' as const,
        uri,
        name: `${entry.name}-result`,
        description: `The full result of this ${entry.name} call (about ${tokens} tokens); readable by the caller that made it until ${new Date(stored.expiresAt).toISOString()}.`,
        mimeType: stored.contents[0]?.mimeType ?? 'application/json',
      };
      const where = `The full result is the resource ${uri} (read it with resources/read; kept until ${new Date(stored.expiresAt).toISOString()}).`;
      const meta = { ...(result._meta ?? {}), 'mcpforge/truncated': { tokens, budget, uri } };
      if (!cut) {
        // A structured result no trimmed form of which fits and stays valid against the output schema.
        return {
          content: [{ type: 'text', text: `The result of ${entry.name} is about ${tokens} tokens, over the output budget of ${budget} tokens${who}, and cannot be shortened into a value its output schema accepts. ${where}` }, link],
          isError: true,
          _meta: { ...meta, 'mcpforge/error': { code: OUTPUT_TOO_LARGE, data: { tokens, budget, uri } } },
        };
      }
      const note = `[Output truncated: the result of ${entry.name} is about ${tokens} tokens, over the output budget of ${budget} tokens${who}; ${cut.kept}. ${where}]`;
      return {
        ...result,
        content: [{ type: 'text', text: note }, ...cut.content, link],
        ...(cut.structuredContent === undefined ? {} : { structuredContent: cut.structuredContent }),
        _meta: meta,
      };
    },
    install(server, read) {
      if (!active) return;
      server.registerResource(
        'mcpforge-result',
        new ResourceTemplate(RESULT_TEMPLATE, { list: undefined }),
        { description: 'The full result of a tool call that was cut to its output budget (linked from that result); only its caller reads it.' },
        (url, variables, sdkCtx) =>
          read(url.href, sdkCtx as ServerContext, async (owner) => {
            const found = await store.get(String(variables.id), owner);
            if (!found) throw new ProtocolError(RESOURCE_NOT_FOUND, `Resource ${url.href} not found: a stored result is kept for a limited time and only for the caller that made the call; call the tool again`);
            return { contents: found.contents.map((c) => ({ uri: url.href, ...c })) as ReadResourceResult['contents'] };
          }),
      );
    },
  };
}

/** What `resources/read` returns for a result: its structured value, else each block's text or data. */
function storedContents(result: CallToolResult): StoredContent[] {
  if (result.structuredContent !== undefined) return [{ mimeType: 'application/json', text: JSON.stringify(result.structuredContent) }];
  const out: StoredContent[] = [];
  for (const block of result.content ?? []) {
    if (block.type === 'text') out.push({ mimeType: 'text/plain', text: block.text });
    else if (block.type === 'image' || block.type === 'audio') out.push({ mimeType: block.mimeType, blob: block.data });
    else if (block.type === 'resource') {
      const r = block.resource as { mimeType?: string; text?: string; blob?: string };
      out.push({ mimeType: r.mimeType ?? (r.text === undefined ? 'application/octet-stream' : 'text/plain'), ...(r.text === undefined ? { blob: r.blob ?? '' } : { text: r.text }) });
    } else out.push({ mimeType: 'application/json', text: JSON.stringify(block) });
  }
  return out;
}

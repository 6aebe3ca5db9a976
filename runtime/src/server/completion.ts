/**
 * `completion/complete` for prompt arguments and resource-template variables.
 *
 * The SDK completes prompt arguments only for zod-style `completable(...)` fields, and prompts here
 * are registered from JSON Schema, so one handler of our own answers both kinds of reference from
 * the handlers' `complete` functions (`definePrompt(name, fn, { complete })`,
 * `defineResource(name, { complete })`). Unknown names are an invalid-params error; a known
 * prompt or template without a completer for that argument answers an empty list.
 */
import { ProtocolError, ProtocolErrorCode, type CompleteResult, type McpServer, type ServerContext } from '@modelcontextprotocol/server';

/**
 * Completes one argument's value; `context` holds the other arguments already given, `sdkCtx` is
 * the request's (its caller is the completer's `ctx.auth`).
 */
export type Completer = (value: string, context: Record<string, string>, sdkCtx: ServerContext) => Promise<string[]>;

/**
 * Whether the request's caller may use a prompt (by name) or a resource template (by URI
 * template). A reference the caller may not use is answered as if it did not exist, as lists hide it.
 */
export type CompletionGate = (ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string }, sdkCtx: ServerContext) => boolean;

export interface CompletionTable {
  prompts: Map<string, Record<string, Completer>>;
  /** By URI template (as declared in the manifest). */
  templates: Map<string, Record<string, Completer>>;
}

/** The spec caps a completion answer at 100 values. */
const MAX_VALUES = 100;

export function hasCompleters(table: CompletionTable): boolean {
  for (const map of [table.prompts, table.templates]) for (const completers of map.values()) if (Object.keys(completers).length > 0) return true;
  return false;
}

export function installCompletion(server: McpServer, table: CompletionTable, allowed: CompletionGate = () => true): void {
  server.server.registerCapabilities({ completions: {} });
  // Replaces the SDK's handler (installed when a template has completers) so both kinds share one path.
  server.server.setRequestHandler('completion/complete', async (request, sdkCtx): Promise<CompleteResult> => {
    const { ref, argument } = request.params;
    const context = (request.params.context?.arguments ?? {}) as Record<string, string>;
    let completers: Record<string, Completer> | undefined;
    if (ref.type === 'ref/prompt') {
      completers = table.prompts.get(ref.name);
      if (!completers || !allowed({ type: 'ref/prompt', name: ref.name }, sdkCtx)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${ref.name} not found`);
    } else if (ref.type === 'ref/resource') {
      completers = table.templates.get(ref.uri);
      if (!completers || !allowed({ type: 'ref/resource', uri: ref.uri }, sdkCtx)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource template ${ref.uri} not found`);
    } else {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid completion reference');
    }
    const complete = completers[argument.name];
    if (!complete) return { completion: { values: [], hasMore: false } };
    const values = await complete(argument.value, context, sdkCtx);
    return { completion: { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES } };
  });
}

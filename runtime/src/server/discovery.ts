/**
 * Progressive discovery in dispatch: registers `search_tools`, `describe_tool` and `call_tool` on
 * every instance (discovery/ holds the index and their definitions). Search results and
 * descriptions are limited to tools the caller may use; `call_tool` hands the call to the same
 * `runTool` a direct call takes, so validation, scopes, limits and audit are the same.
 */
import type { CallToolResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import { createToolSearch, DISCOVERY_TOOLS, DISCOVERY_TOOL_NAMES } from '../discovery/index.js';
import { acceptAllSchema, compileValidator, formatValidationErrors } from '../validation/index.js';
import type { Authz } from './authz.js';
import { callerOf, type ContextDeps } from './context.js';
import type { Manifest, ToolManifestEntry } from './contract.js';
import { envelopeOf, type SchemaShaping } from './shaping.js';

export interface DiscoveryDispatch {
  /** Whether `tools/list` shows a tool (the discovery tools and the pinned ones). */
  listed(name: string): boolean;
  install(server: McpServer): void;
}

export interface DiscoveryDeps {
  manifest: Manifest;
  deps: ContextDeps;
  authz: Authz;
  shaping: SchemaShaping;
  /** The tool call every path runs (factory.ts). */
  run(entry: ToolManifestEntry, args: unknown, sdkCtx: ServerContext, server: McpServer): CallToolResult | Promise<CallToolResult>;
  /** One audit line for a search_tools or describe_tool call (call_tool's is the called tool's, written by `run`). */
  audit(name: string, args: unknown, sdkCtx: ServerContext, result: CallToolResult, started: number): void;
}

const text = (value: unknown, isError = false): CallToolResult => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }], ...(isError ? { isError: true } : {}) });

export function createDiscoveryDispatch({ manifest, deps, authz, shaping, run, audit }: DiscoveryDeps): DiscoveryDispatch {
  const entries = Object.values(manifest.tools);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const search = createToolSearch(entries);
  const pinned = new Set(manifest.discovery?.pinned ?? []);
  const meta = new Set<string>(DISCOVERY_TOOL_NAMES);
  const validators = Object.fromEntries(DISCOVERY_TOOL_NAMES.map((name) => [name, compileValidator(DISCOVERY_TOOLS[name].inputSchema as never)]));

  const mayUse = (entry: ToolManifestEntry, sdkCtx: ServerContext) => {
    if (!authz.enabled) return true;
    const identity = callerOf(deps, sdkCtx);
    return identity.method === 'local' || authz.missing(entry.scopes, identity).length === 0;
  };
  const unknown = (name: string) => text(`Unknown tool "${name}": search_tools lists the tools of this server`, true);

  async function answer(name: (typeof DISCOVERY_TOOL_NAMES)[number], args: Record<string, unknown>, sdkCtx: ServerContext, server: McpServer): Promise<CallToolResult> {
    const validate = validators[name]!;
    if (!validate(args)) return text(`Invalid arguments for ${name}: ${formatValidationErrors(validate.errors)}`, true);
    const entry = typeof args.name === 'string' ? byName.get(args.name) : undefined;
    if (name === 'search_tools') {
      const hits = search.search(String(args.query), { limit: typeof args.limit === 'number' ? args.limit : 10, allowed: (tool) => mayUse(byName.get(tool)!, sdkCtx) });
      return { ...text(hits), structuredContent: { tools: hits } };
    }
    if (!entry) return unknown(String(args.name));
    if (name === 'describe_tool') {
      if (!mayUse(entry, sdkCtx)) return unknown(entry.name);
      const profile = shaping.profileOf(envelopeOf(sdkCtx), server);
      return text({ name: entry.name, ...(entry.title ? { title: entry.title } : {}), description: entry.description, inputSchema: shaping.schemaFor(entry, profile) });
    }
    return run(entry, args.arguments ?? {}, sdkCtx, server);
  }

  return {
    listed: (name) => meta.has(name) || pinned.has(name),
    install(server) {
      for (const name of DISCOVERY_TOOL_NAMES) {
        const definition = DISCOVERY_TOOLS[name];
        server.registerTool(
          name,
          { description: definition.description, inputSchema: acceptAllSchema(definition.inputSchema as never) },
          (async (args: Record<string, unknown>, sdkCtx: ServerContext): Promise<CallToolResult> => {
            // call_tool: the direct call's path (its own scope check and audit line, the called tool's).
            if (name === 'call_tool') return answer(name, args, sdkCtx, server);
            const started = performance.now();
            const result = await answer(name, args, sdkCtx, server);
            audit(name, args, sdkCtx, result, started);
            return result;
          }) as never,
        );
      }
    },
  };
}

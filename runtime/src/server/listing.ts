/**
 * `tools/list` from the manifest, without the SDK: what the SDK path lists, for the stdio early
 * answer (start/) that answers before the SDK has loaded. No SDK import here, nor anywhere this
 * module's imports lead: it is on a cold start's critical path.
 *
 * The SDK path stays the reference: `listedTool` is the SDK's `McpServer` listing of a tool
 * registered as `factory.ts` registers it, and `shapedTool` is the per-client shaping `shaping.ts`
 * applies to that listing (shaping.ts calls it too). A differential test (start/early-list.test.ts)
 * holds the two paths to the same bytes for every example project and client profile.
 */
import type { ToolManifestEntry } from './contract.js';

/**
 * One tool as `tools/list` shows it on the SDK path: the fields `registerTool` passes, in the order
 * the SDK writes them (name, title, description, inputSchema, annotations, then outputSchema), the
 * input schema with `type: "object"` first as the SDK writes it. Undefined for a tool whose listing
 * the SDK would change further (an output schema without a `type`, which it may complete) or
 * refuse (an input schema of another type): the SDK path lists those.
 */
export function listedTool(entry: ToolManifestEntry): Record<string, unknown> | undefined {
  const input = entry.inputSchema as Record<string, unknown>;
  if (input.type !== undefined && input.type !== 'object') return undefined;
  if (entry.outputSchema !== undefined && (entry.outputSchema as Record<string, unknown>).type === undefined) return undefined;
  return {
    name: entry.name,
    ...(entry.title === undefined ? {} : { title: entry.title }),
    description: entry.description,
    inputSchema: { type: 'object', ...input },
    ...(entry.annotations === undefined ? {} : { annotations: entry.annotations }),
    ...(entry.outputSchema === undefined ? {} : { outputSchema: entry.outputSchema }),
  };
}

/** A listed tool as a client profile sees it: its input schema shaped, and its output schema when it lists one. */
export function shapedTool(tool: Record<string, unknown>, inputSchema: Record<string, unknown>, outputSchema: Record<string, unknown> | undefined): Record<string, unknown> {
  return { ...tool, inputSchema, ...(outputSchema && tool.outputSchema !== undefined ? { outputSchema } : {}) };
}

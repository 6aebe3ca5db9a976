/**
 * `isCallToolResult` with a shortcut for the result almost every tool returns: `content` made of
 * text blocks and nothing else, which is what the runtime itself builds from a handler's string.
 *
 * Why: the SDK's check is a zod parse of the whole result (a union over five content types per
 * block), ~1.4% of a fast-path call's CPU in a profile under load (bench/README.md). The shortcut
 * accepts only values the SDK's schema accepts (a loose object whose `content` holds
 * `{ type: 'text', text: string }` blocks, an optional boolean `isError`, any `structuredContent`)
 * and leaves everything else — `_meta`, annotations, other block types, anything odd — to the SDK.
 * A test holds the two to the same verdict over a table of results.
 */
import { isCallToolResult } from '@modelcontextprotocol/server';

/** A `CallToolResult` of text blocks only, with no `_meta` on it or its blocks: valid for the SDK's schema. */
export function isPlainTextResult(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const result = value as { content?: unknown; isError?: unknown; _meta?: unknown };
  if (result._meta !== undefined) return false;
  const isError = result.isError;
  if (isError !== undefined && typeof isError !== 'boolean') return false;
  const content = result.content;
  if (!Array.isArray(content)) return false;
  for (let i = 0; i < content.length; i++) {
    const block = content[i] as { type?: unknown; text?: unknown; annotations?: unknown; _meta?: unknown } | null | undefined;
    if (typeof block !== 'object' || block === null || Array.isArray(block)) return false;
    if (block.type !== 'text' || typeof block.text !== 'string' || block.annotations !== undefined || block._meta !== undefined) return false;
  }
  return true;
}

/** The SDK's `isCallToolResult`, answered without zod for plain text results. */
export function isToolResultShape(value: unknown): boolean {
  return isPlainTextResult(value) || isCallToolResult(value);
}

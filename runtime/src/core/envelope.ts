/**
 * Where a handler-side context finds a 2026-07-28 request's per-request envelope (protocol
 * version, client info, client capabilities): the SDK lifts it off `_meta` into
 * `ctx.mcpReq.envelope` before its handlers run, while the HTTP fast path hands `_meta` over as
 * the client sent it. One lookup for both, so no caller checks only one of the two places.
 */
import type { ServerContext } from '@modelcontextprotocol/server';

export function requestEnvelope(sdkCtx: Pick<ServerContext, 'mcpReq'> | undefined): Record<string, unknown> | undefined {
  const req = sdkCtx?.mcpReq as { envelope?: Record<string, unknown>; _meta?: Record<string, unknown> } | undefined;
  return req?.envelope ?? req?._meta;
}

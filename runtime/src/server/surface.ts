/**
 * The protocol features the factory adds to every server instance beyond tools, resources and
 * prompts: logging (`logging/setLevel` + `ctx.clientLog`), resource subscriptions, and completion
 * for prompt arguments and resource-template variables. Kept out of factory.ts so that file stays
 * about registration and pooling; the factory calls `install`/`drop` per instance.
 */
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { resourceForUri } from './resource-uri.js';
import type { Authz } from './authz.js';
import { callerOf, createHandlerContext, newRequestId, type ContextDeps } from './context.js';
import type { Manifest } from './contract.js';
import { hasCompleters, installCompletion, type Completer, type CompletionTable } from './completion.js';
import type { LoadedPrompt, LoadedResource } from './load.js';
import { protocolError } from './results.js';
import { createResourceSubscriptions, type ResourceSubscriptions } from './subscriptions.js';

export interface ProtocolSurface {
  /** Present when the manifest has resources. */
  readonly subscriptions: ResourceSubscriptions | undefined;
  install(server: McpServer): void;
  drop(server: McpServer): void;
}

export function createProtocolSurface(
  manifest: Manifest,
  deps: ContextDeps,
  loaded: { resources: Map<string, LoadedResource>; prompts: Map<string, LoadedPrompt> },
  authz: Authz,
): ProtocolSurface {
  // Completion and subscriptions touch an entry like a read or a get: the same scope check applies.
  const identity = (sdkCtx: ServerContext | undefined) => callerOf(deps, sdkCtx);
  const mayUse = (scopes: readonly string[] | undefined, sdkCtx: ServerContext | undefined): boolean => {
    try {
      authz.assertAllowed(scopes, identity(sdkCtx));
      return true;
    } catch {
      return false;
    }
  };
  const subscriptions =
    Object.keys(manifest.resources).length > 0
      ? createResourceSubscriptions(deps.logger, (uri, sdkCtx) => {
          const found = resourceForUri(manifest, uri);
          // An unknown URI is the read's business (not found); a known one needs its scopes.
          if (found === undefined) return;
          try {
            authz.assertAllowed(found.scopes ?? [], identity(sdkCtx));
          } catch (error) {
            throw protocolError(error, deps.logger, newRequestId());
          }
        })
      : undefined;
  const table: CompletionTable = { prompts: new Map(), templates: new Map() };

  type AnyCompleter = (value: string, ctx: never) => Promise<string[]> | string[];
  const wrap = (bindings: Record<string, string>, fn: AnyCompleter, withArgs: boolean): Completer => async (value, context, sdkCtx) => {
    // The request's context: ctx.auth is the caller of this completion request, not a default.
    const ctx = createHandlerContext(deps, bindings, sdkCtx);
    try {
      const values = await fn(value, (withArgs ? { ...ctx, args: context } : ctx) as never);
      return Array.isArray(values) ? values.map(String) : [];
    } catch (error) {
      throw protocolError(error, ctx.log, ctx.requestId);
    }
  };
  for (const [key, entry] of Object.entries(manifest.prompts)) {
    const completers: Record<string, Completer> = {};
    for (const [arg, fn] of Object.entries(loaded.prompts.get(key)?.definition.complete ?? {})) {
      if (typeof fn === 'function') completers[arg] = wrap({ prompt: entry.name, complete: arg }, fn as AnyCompleter, true);
    }
    table.prompts.set(entry.name, completers);
  }
  for (const [key, entry] of Object.entries(manifest.resources)) {
    if (!entry.template) continue;
    const completers: Record<string, Completer> = {};
    for (const [variable, fn] of Object.entries(loaded.resources.get(key)?.definition.handlers.complete ?? {})) {
      if (typeof fn === 'function') completers[variable] = wrap({ resource: entry.name, complete: variable }, fn as AnyCompleter, false);
    }
    table.templates.set(entry.uri, completers);
  }
  const completion = hasCompleters(table);
  const promptScopes = new Map(Object.values(manifest.prompts).map((p) => [p.name, p.scopes]));
  const templateScopes = new Map(Object.values(manifest.resources).map((r) => [r.uri, r.scopes]));

  return {
    subscriptions,
    install(server) {
      // Logging is declared by every server: `ctx.clientLog` works whenever the client listens.
      server.server.registerCapabilities({ logging: {} });
      subscriptions?.install(server);
      if (completion) installCompletion(server, table, (ref, sdkCtx) => mayUse(ref.type === 'ref/prompt' ? promptScopes.get(ref.name) : templateScopes.get(ref.uri), sdkCtx));
    },
    drop(server) {
      subscriptions?.drop(server);
    },
  };
}

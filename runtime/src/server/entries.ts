/**
 * Registration of resources and prompts on a server instance: each read or get runs through the
 * same policy as a tool call — the caller's scopes checked inside the audited section (a denial is
 * one `denied` audit line on every transport), arguments redacted by the prompt's schema, handler
 * errors mapped to protocol errors with a request id. Template `list` callbacks show nothing to a
 * caller without the resource's scopes. Completion is answered by completion.ts, with the caller.
 */
import { ResourceTemplate, type GetPromptResult, type McpServer, type ReadResourceResult, type ScopeChallengeHandler, type ServerContext, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type { CallPolicy } from '../limits/policy.js';
import type { Authz } from './authz.js';
import { createHandlerContext, newRequestId, type ContextDeps } from './context.js';
import type { Tracing } from '../telemetry/index.js';
import { traced } from './traced.js';
import type { JsonSchemaObject, PromptManifestEntry, ResourceManifestEntry } from './contract.js';
import { createRequestStateCodec, InputNeeded, inputRequiredFor } from './interaction.js';
import type { LoadedPrompt, LoadedResource } from './load.js';
import { promptResult, protocolError, resourceResult } from './results.js';

export interface EntryRegistrarDeps {
  deps: ContextDeps;
  authz: Authz;
  policy: CallPolicy;
  /** A request span per read and get when tracing is on (telemetry/). */
  tracing?: Tracing;
}

export interface EntryRegistrar {
  resource(server: McpServer, entry: ResourceManifestEntry, resource: LoadedResource): void;
  prompt(server: McpServer, entry: PromptManifestEntry, prompt: LoadedPrompt, argsSchema: StandardSchemaWithJSON | undefined, schema: JsonSchemaObject | undefined): void;
}

export function createEntryRegistrar({ deps, authz, policy, tracing }: EntryRegistrarDeps): EntryRegistrar {
  /** The SDK's scope challenge for an entry (403 insufficient_scope over HTTP), when auth is on. */
  function scopeChallengeOf(scopes: string[] | undefined): { scopeChallenge?: ScopeChallengeHandler } {
    const challenge = authz.scopeChallenge(scopes);
    return challenge ? { scopeChallenge: challenge } : {};
  }

  return {
    resource(server, entry, resource) {
      const handlers = resource.definition.handlers;
      const meta = {
        ...(entry.title === undefined ? {} : { title: entry.title }),
        ...(entry.description === undefined ? {} : { description: entry.description }),
        ...(entry.mimeType === undefined ? {} : { mimeType: entry.mimeType }),
        ...scopeChallengeOf(entry.scopes),
      };
      const read = (uri: URL, params: Record<string, unknown>, sdkCtx: ServerContext): Promise<ReadResourceResult> => {
        const requestId = newRequestId();
        return traced(tracing, 'resources/read', entry.name, deps, sdkCtx, requestId, () => readTraced(uri, params, sdkCtx, requestId));
      };
      const readTraced = async (uri: URL, params: Record<string, unknown>, sdkCtx: ServerContext, requestId: string): Promise<ReadResourceResult> => {
        const ctx = createHandlerContext(deps, { resource: entry.name }, sdkCtx, requestId);
        try {
          const value = await policy.around('resource', entry.name, ctx, { uri: uri.href }, () => {
            authz.assertAllowed(entry.scopes, ctx.auth);
            return handlers.read(params as never, { ...ctx, uri: uri.href });
          });
          return resourceResult(entry, uri.href, value, resource.validate, ctx.log, ctx.requestId);
        } catch (error) {
          throw protocolError(error, ctx.log, ctx.requestId);
        }
      };
      if (!entry.template) {
        server.registerResource(entry.name, entry.uri, meta, (uri, sdkCtx) => read(uri, {}, sdkCtx as ServerContext));
        return;
      }
      const list = handlers.list;
      const template = new ResourceTemplate(entry.uri, {
        list: list
          ? async (sdkCtx) => {
              const ctx = createHandlerContext(deps, { resource: entry.name }, sdkCtx as ServerContext);
              // A caller without the resource's scopes is not shown its instances either.
              if (authz.enabled && authz.missing(entry.scopes, ctx.auth).length > 0) return { resources: [] };
              try {
                return { resources: await list(ctx) };
              } catch (error) {
                throw protocolError(error, ctx.log, ctx.requestId);
              }
            }
          : undefined,
      });
      server.registerResource(entry.name, template, meta, (uri, variables, sdkCtx) => read(uri, variables, sdkCtx as ServerContext));
    },

    prompt(server, entry, prompt, argsSchema, schema) {
      const config = {
        ...(entry.title === undefined ? {} : { title: entry.title }),
        ...(entry.description === undefined ? {} : { description: entry.description }),
        ...scopeChallengeOf(entry.scopes),
      };
      const run = (args: unknown, sdkCtx: ServerContext): Promise<GetPromptResult> => {
        const requestId = newRequestId();
        return traced(tracing, 'prompts/get', entry.name, deps, sdkCtx, requestId, () => runTraced(args, sdkCtx, requestId));
      };
      const runTraced = async (args: unknown, sdkCtx: ServerContext, requestId: string): Promise<GetPromptResult> => {
        const ctx = createHandlerContext(deps, { prompt: entry.name }, sdkCtx, requestId);
        try {
          const value = await policy.around(
            'prompt',
            entry.name,
            ctx,
            args,
            () => {
              authz.assertAllowed(entry.scopes, ctx.auth);
              return prompt.definition.handler(args, ctx);
            },
            schema,
          );
          return promptResult(value);
        } catch (error) {
          if (error instanceof InputNeeded) return inputRequiredFor(error, deps.requestState ?? createRequestStateCodec()) as never;
          throw protocolError(error, ctx.log, ctx.requestId);
        }
      };
      if (argsSchema) {
        server.registerPrompt(entry.name, { ...config, argsSchema }, ((args: unknown, sdkCtx: ServerContext) => run(args, sdkCtx)) as never);
      } else {
        server.registerPrompt(entry.name, config, (sdkCtx) => run({}, sdkCtx as ServerContext));
      }
    },
  };
}

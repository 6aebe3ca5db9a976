/**
 * Builds the `HandlerContext` every handler receives.
 */
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuthIdentity, Cache, CallerIdentity, HandlerContext, MemoryCollection } from './contract.js';
import { identityOfContext } from './authz.js';
import { ANONYMOUS } from '../core/edge.js';
import { createClientInteraction, type RequestStateCodec } from './interaction.js';
import type { ResourceSubscriptions } from './subscriptions.js';

export { ANONYMOUS };

export interface ContextDeps {
  db: Kysely<unknown>;
  cache: Cache;
  logger: Logger;
  /** Aborted when the server shuts down. */
  shutdown: AbortSignal;
  /** `ctx.auth` of requests that carry no authenticated identity (stdio); default `ANONYMOUS`. */
  identity?: AuthIdentity;
  /** Resource subscriptions behind `ctx.resources` (none: updates go nowhere). */
  subscriptions?: ResourceSubscriptions;
  /** Signs the answers of input rounds (`requestState`); one per server factory. */
  requestState?: RequestStateCodec;
  /** `ctx.memory`: the `kind: memory` resources' collections (see `resources`). */
  memory?: Record<string, MemoryCollection<unknown>>;
}

/** A short unique id for log correlation; also what clients quote for internal errors. */
export function newRequestId(): string {
  return randomUUID();
}

/** The caller of a request: the identity the transport authenticated, else the deps' default. */
export function callerOf(deps: Pick<ContextDeps, 'identity'>, sdkCtx: ServerContext | undefined): CallerIdentity {
  const identity = identityOfContext(sdkCtx) ?? deps.identity ?? ANONYMOUS;
  // The HTTP gate and the local identity already list roles; an identity made elsewhere (a custom
  // transport's, a resumed task's owner) gets an empty list, so handlers never test for undefined.
  return identity.roles ? (identity as CallerIdentity) : { ...identity, roles: [] };
}

const NO_MEMORY: Record<string, MemoryCollection<unknown>> = Object.freeze({});

/**
 * Where a context made here takes further abort sources for `ctx.signal` (the policy stage's timeout
 * and cancellation): a symbol-keyed function, invisible to `Object.keys` and JSON. Why: redefining
 * the `signal` accessor per call (getOwnPropertyDescriptor + defineProperty) cost ~1% of a
 * fast-path call's CPU and turned every context into a slow dictionary object.
 */
export const ADD_ABORT_SOURCE: unique symbol = Symbol('mcpforge.addAbortSource');

/** Adds `extra` to the sources of `ctx.signal`, which then also fires when `extra.signal` does (read only when the handler reads it). */
export function addAbortSource(ctx: HandlerContext<unknown>, extra: { readonly signal: AbortSignal }): void {
  const add = (ctx as { [ADD_ABORT_SOURCE]?: (extra: { readonly signal: AbortSignal }) => void })[ADD_ABORT_SOURCE];
  if (add) return add(extra);
  // A context made elsewhere (tests, a custom transport): layer a new accessor over its own.
  const own = Object.getOwnPropertyDescriptor(ctx, 'signal');
  const base = (): AbortSignal => (own?.get ? (own.get.call(ctx) as AbortSignal) : (own?.value as AbortSignal | undefined) ?? extra.signal);
  let combined: AbortSignal | undefined;
  Object.defineProperty(ctx, 'signal', {
    configurable: true,
    enumerable: true,
    get: () => (combined ??= AbortSignal.any([base(), extra.signal])),
  });
}

export function createHandlerContext(
  deps: ContextDeps,
  bindings: Record<string, string>,
  sdkCtx: ServerContext | undefined,
  requestId: string = newRequestId(),
): HandlerContext<unknown> {
  // The child logger and the client interaction are built on first use: most calls never log or
  // talk back to the client, and at thousands of calls a second both showed in CPU profiles
  // (pino's child bindings ~2% of a fast-path call).
  let childLog: Logger | undefined;
  const logOf = (): Logger => (childLog ??= deps.logger.child({ requestId, ...bindings }));
  let interaction: ReturnType<typeof createClientInteraction> | undefined;
  const client = () => (interaction ??= createClientInteraction(sdkCtx, logOf(), Object.values(bindings)[0] ?? 'server', deps.requestState));
  const progressToken = sdkCtx?.mcpReq._meta?.progressToken;
  let signal: AbortSignal | undefined;
  // Sources added by the policy stage (addAbortSource); `combined` of them counted into `signal` so far.
  let extras: Array<{ readonly signal: AbortSignal }> | undefined;
  let combined = 0;
  const subscriptions = deps.subscriptions;
  const ctx: HandlerContext<unknown> & { [ADD_ABORT_SOURCE](extra: { readonly signal: AbortSignal }): void } = {
    elicit: (...args) => client().elicit(...args),
    sample: (...args) => client().sample(...args),
    listRoots: (...args) => client().listRoots(...args),
    input: (...args) => client().input(...args),
    get clientCapabilities() {
      return client().clientCapabilities;
    },
    clientLog: (...args) => client().clientLog(...args),
    resources: {
      updated: (uri: string) => subscriptions?.updated(uri) ?? Promise.resolve(),
      subscribers: (uri: string) => subscriptions?.count(uri) ?? 0,
    },
    memory: deps.memory ?? NO_MEMORY,
    db: deps.db,
    cache: deps.cache,
    get log() {
      return logOf();
    },
    // HTTP: the identity the authenticator attached (never the raw token); stdio: the local caller.
    auth: callerOf(deps, sdkCtx),
    requestId,
    // Combined lazily: most handlers never look at the signal, and every combined signal
    // registers a listener on the long-lived shutdown signal.
    get signal(): AbortSignal {
      signal ??= sdkCtx ? AbortSignal.any([sdkCtx.mcpReq.signal, deps.shutdown]) : deps.shutdown;
      if (extras !== undefined && combined < extras.length) {
        // As if each source had been layered over the signal before it: base first, then in order.
        const sources = [signal];
        for (; combined < extras.length; combined++) sources.push(extras[combined]!.signal);
        signal = AbortSignal.any(sources);
      }
      return signal;
    },
    [ADD_ABORT_SOURCE](extra: { readonly signal: AbortSignal }): void {
      (extras ??= []).push(extra);
    },
    async progress(progress: number, total?: number, message?: string): Promise<void> {
      if (progressToken === undefined || !sdkCtx) return;
      try {
        await sdkCtx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) },
        });
      } catch (error) {
        // Progress is best effort: a closed stream or a JSON response mode must not fail the call.
        logOf().debug({ err: error }, 'progress notification not delivered');
      }
    },
  };
  return ctx;
}

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
 * The per-request state behind a context's lazy members (`log`, `signal`, `clientCapabilities`),
 * kept under a symbol key (invisible to `Object.keys` and JSON). Why: the context's accessors used
 * to be getters of an object literal, a new function per request each, and V8 cannot share a
 * hidden class between objects whose accessors differ — every context became a slow dictionary
 * object (~3 µs to build, in a microbenchmark, against ~1 µs with the shared accessors below). The
 * same went for redefining `signal` per call to add the policy stage's timeout (addAbortSource).
 */
const STATE: unique symbol = Symbol('mcpforge.contextState');

class ContextState {
  childLog: Logger | undefined;
  interaction: ReturnType<typeof createClientInteraction> | undefined;
  signal: AbortSignal | undefined;
  /** Sources added by the policy stage (addAbortSource); `combined` of them are in `signal` so far. */
  extras: Array<{ readonly signal: AbortSignal }> | undefined;
  combined = 0;
  /** The context this state was made for (set once it exists). */
  owner: HandlerContext<unknown> | undefined;

  constructor(
    readonly deps: ContextDeps,
    readonly bindings: Record<string, string>,
    readonly sdkCtx: ServerContext | undefined,
    readonly requestId: string,
  ) {}

  log(): Logger {
    return (this.childLog ??= this.deps.logger.child({ requestId: this.requestId, ...this.bindings }));
  }

  client(): ReturnType<typeof createClientInteraction> {
    return (this.interaction ??= createClientInteraction(this.sdkCtx, this.log(), Object.values(this.bindings)[0] ?? 'server', this.deps.requestState));
  }

  currentSignal(): AbortSignal {
    // Combined lazily: most handlers never look at the signal, and every combined signal
    // registers a listener on the long-lived shutdown signal.
    let signal = (this.signal ??= this.sdkCtx ? AbortSignal.any([this.sdkCtx.mcpReq.signal, this.deps.shutdown]) : this.deps.shutdown);
    const extras = this.extras;
    if (extras !== undefined && this.combined < extras.length) {
      // As if each source had been layered over the signal before it: base first, then in order.
      const sources = [signal];
      for (; this.combined < extras.length; this.combined++) sources.push(extras[this.combined]!.signal);
      this.signal = signal = AbortSignal.any(sources);
    }
    return signal;
  }
}

type WithState = HandlerContext<unknown> & { [STATE]: ContextState };

// One set of accessor functions for every context (enumerable and configurable, as an object
// literal's getters are), reading the state of the context they are called on.
const CLIENT_CAPABILITIES: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: WithState) {
    return this[STATE].client().clientCapabilities;
  },
};
const LOG: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: WithState) {
    return this[STATE].log();
  },
};
const SIGNAL: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: WithState) {
    return this[STATE].currentSignal();
  },
};

/** Adds `extra` to the sources of `ctx.signal`, which then also fires when `extra.signal` does (read only when the handler reads it). */
export function addAbortSource(ctx: HandlerContext<unknown>, extra: { readonly signal: AbortSignal }): void {
  const state = (ctx as Partial<WithState>)[STATE];
  // `owner`: a spread copy of a context carries the same state but a plain `signal` value.
  if (state instanceof ContextState && state.owner === ctx) {
    (state.extras ??= []).push(extra);
    return;
  }
  // A context made elsewhere (tests, a custom transport, a spread copy): layer a new accessor over its own.
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
  const state = new ContextState(deps, bindings, sdkCtx, requestId);
  const progressToken = sdkCtx?.mcpReq._meta?.progressToken;
  const subscriptions = deps.subscriptions;
  // Built in the order its members always had (Object.keys, spreads): methods, then each lazy
  // member defined with the shared accessors above.
  const ctx = {
    elicit: (...args) => state.client().elicit(...args),
    sample: (...args) => state.client().sample(...args),
    listRoots: (...args) => state.client().listRoots(...args),
    input: (...args) => state.client().input(...args),
  } as Partial<HandlerContext<unknown>> as WithState;
  Object.defineProperty(ctx, 'clientCapabilities', CLIENT_CAPABILITIES);
  ctx.clientLog = (...args) => state.client().clientLog(...args);
  ctx.resources = {
    updated: (uri: string) => subscriptions?.updated(uri) ?? Promise.resolve(),
    subscribers: (uri: string) => subscriptions?.count(uri) ?? 0,
  };
  ctx.memory = deps.memory ?? NO_MEMORY;
  ctx.db = deps.db;
  ctx.cache = deps.cache;
  Object.defineProperty(ctx, 'log', LOG);
  // HTTP: the identity the authenticator attached (never the raw token); stdio: the local caller.
  ctx.auth = callerOf(deps, sdkCtx);
  ctx.requestId = requestId;
  Object.defineProperty(ctx, 'signal', SIGNAL);
  ctx.progress = async function progress(progress: number, total?: number, message?: string): Promise<void> {
    if (progressToken === undefined || !sdkCtx) return;
    try {
      await sdkCtx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) },
      });
    } catch (error) {
      // Progress is best effort: a closed stream or a JSON response mode must not fail the call.
      state.log().debug({ err: error }, 'progress notification not delivered');
    }
  };
  ctx[STATE] = state;
  state.owner = ctx;
  return ctx;
}

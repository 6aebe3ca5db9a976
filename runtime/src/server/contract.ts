/**
 * The contract between generated code and the runtime.
 *
 * The code generator (generators/shared/codegen) emits, for every project:
 *   src/generated/manifest.ts   `export const manifest: Manifest = {...}`
 *   src/generated/registry.ts   per-project type maps + `defineTool`/`defineResource`/`definePrompt`
 *   src/generated/handlers.ts   `export const modules: ServerModules = {...}` (lazy loaders)
 * and the user's handler files call the typed `define*` functions from registry.ts.
 * Everything here is types and tiny identity helpers: no I/O, safe to import anywhere.
 */
import type { CallToolResult, CreateMessageResult, ElicitResult, GetPromptResult, LoggingLevel, ReadResourceResult, ToolAnnotations } from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AskOptions, ClientCapabilities, ElicitParams, InputAnswer, InputAsk, Root, SampleParams } from './interaction.js';

/** A JSON Schema object as it appears in the manifest (all `$ref`s bundled into `$defs`). */
export type JsonSchemaObject = { [key: string]: unknown };

export interface ToolManifestEntry {
  name: string;
  title?: string;
  description: string;
  /** Object schema shown byte-for-byte in `tools/list`. */
  inputSchema: JsonSchemaObject;
  /** Present when the tool returns `structuredContent`; results are validated against it. */
  outputSchema?: JsonSchemaObject;
  annotations?: ToolAnnotations;
  scopes?: string[];
  rateLimit?: { perMinute: number };
  cache?: { ttlSeconds: number };
  /** Per-call timeout in milliseconds (spec `timeoutMs`); without it the server default (see `limits`). */
  timeoutMs?: number;
  /** Spec `maxOutputTokens`: a result over it is cut and linked (see `budgets`); without it the server's. */
  maxOutputTokens?: number;
  /**
   * Spec `pagination`: an over-budget result is served in pages (`budgets/pages.ts`): `cursor` is the
   * input property the next call passes, `items` and `nextCursor` JSON pointers into the output.
   */
  pagination?: { cursor: string; items: string; nextCursor: string };
  /**
   * Spec `task`: runs as a task (extension `io.modelcontextprotocol/tasks`) when the client
   * declares the extension on its request; `required` refuses 2026-07-28 clients without it.
   */
  task?: 'optional' | 'required';
}

export interface ResourceManifestEntry {
  name: string;
  title?: string;
  description?: string;
  /** A static URI, or an RFC 6570 template when `template` is true. */
  uri: string;
  template: boolean;
  /** Variable names of the URI template, in order (empty for static resources). */
  variables: string[];
  mimeType?: string;
  /** Schema of the data the handler returns (serialised as JSON). */
  schema?: JsonSchemaObject;
  scopes?: string[];
  /**
   * A declarative resource (spec `kind:`): served by the runtime's `resources` module with no
   * handler code; a handler file for the resource, when the project has one, still wins.
   */
  source?: ResourceSource;
}

/** Type of a URI-template variable of a `sql` resource: the URI text is converted (and checked) before binding. */
export type SqlParamType = 'string' | 'integer' | 'number' | 'boolean';

/** What a declarative resource serves (spec `kind:` and its keys; paths relative to the project root). */
export type ResourceSource =
  | { kind: 'files'; root: string; glob?: string; maxBytes?: number }
  | { kind: 'sql'; query: string; params?: Record<string, SqlParamType>; listQuery?: string }
  | { kind: 'http'; url: string; allow: string[]; ttlSeconds?: number; maxBytes?: number; timeoutMs?: number }
  | { kind: 'memory'; ttlSeconds?: number };

export interface PromptArgumentEntry {
  name: string;
  description?: string;
  required: boolean;
}

export interface PromptManifestEntry {
  name: string;
  title?: string;
  description?: string;
  /** Object schema whose properties are the prompt's (string) arguments. */
  argsSchema?: JsonSchemaObject;
  arguments: PromptArgumentEntry[];
  scopes?: string[];
}

export interface Manifest {
  name: string;
  version: string;
  description?: string;
  layout: 'dev' | 'production';
  transports: Array<'stdio' | 'http' | 'websocket'>;
  tools: Record<string, ToolManifestEntry>;
  resources: Record<string, ResourceManifestEntry>;
  prompts: Record<string, PromptManifestEntry>;
  /** Tool groups (`groups:` in the spec): `MCP_GROUP=<name>` serves only that group's tools. */
  groups?: Record<string, GroupManifestEntry>;
  /** Named tool sets (`toolsets:` in the spec): `MCP_TOOLSETS=<name>,...` serves only their tools (names or globs). */
  toolsets?: Record<string, { tools: string[]; description?: string }>;
  /** The spec's `auth:` block; absent means `mode: none`. */
  auth?: AuthManifestEntry;
  /** The spec's `limits:` block (server-wide defaults; `MCP_*` environment variables override them). */
  limits?: ManifestLimits;
  /** The spec's `clients:` block: which client profile shapes `tools/list` (`auto` detects it from `clientInfo`). */
  clients?: { profile?: 'auto' | 'full' | 'claude' | 'openai-strict' | 'gemini' | 'vscode' | 'cursor' };
  /** The spec's `discovery:` block: `progressive` lists search_tools/describe_tool/call_tool and the pinned tools. */
  discovery?: { mode?: 'direct' | 'progressive'; pinned?: string[] };
}

/** Server-wide limits from the spec (see the `limits` runtime module for defaults and env names). */
export interface ManifestLimits {
  /** Calls per minute per caller across all tools (0 or absent: none). */
  perCallerPerMinute?: number;
  /** Default tool call timeout in milliseconds (a tool's own `timeoutMs` wins). */
  timeoutMs?: number;
  /** Deepest nesting of arrays and objects accepted in tool arguments. */
  maxJsonDepth?: number;
  /** Longest string accepted anywhere in tool arguments (object keys included). */
  maxStringLength?: number;
  /** Default output budget of a tool result in tokens (see `budgets`); a tool's own wins. */
  maxOutputTokens?: number;
}

export interface GroupManifestEntry {
  tools: string[];
  /** Replicas of the group's service in the production layout. */
  replicas?: number;
}

/** An ajv standalone validate function (the default export of a generated validator module). */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; schemaPath: string; keyword: string; params: Record<string, unknown>; message?: string }> | null;
}

type Loader<T> = () => Promise<{ default: T }>;

// The loaders erase each handler's own types: the runtime checks data with the validators, and
// handlers only ever see the precise types from registry.ts. `any` stays inside this boundary.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyToolDefinition = ToolDefinition<any, any, any, any>;
export type AnyResourceDefinition = ResourceDefinition<any, any, any>;
export type AnyPromptDefinition = PromptDefinition<any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Lazy loaders emitted in src/generated/handlers.ts; the runtime imports only what it serves. */
export interface ServerModules {
  tools: Record<string, { handler: Loader<AnyToolDefinition>; validateInput: Loader<CompiledValidator>; validateOutput?: Loader<CompiledValidator> }>;
  /** `handler` is absent for a declarative resource (spec `kind:`) that has no handler file. */
  resources: Record<string, { handler?: Loader<AnyResourceDefinition>; validate?: Loader<CompiledValidator> }>;
  prompts: Record<string, { handler: Loader<AnyPromptDefinition>; validateArgs?: Loader<CompiledValidator> }>;
  /** `auth.mode: custom`: loads the project's `src/auth.ts` (a `defineAuthenticator` hook). */
  authenticator?: Loader<unknown>;
}

/** Who is calling. Always present; `anonymous` when auth mode is `none`. */
export interface AuthIdentity {
  subject: string;
  /** The effective scopes: the credential's own plus every scope of its roles. */
  scopes: string[];
  /**
   * Roles the caller holds that the spec's `auth.roles` declares (from a JWT claim, the API key, or
   * the mTLS client's entry). Always set on `ctx.auth` (empty without roles); an authenticator may
   * leave it out, and the roles it names that the spec does not declare are dropped.
   */
  roles?: string[];
  anonymous: boolean;
  /**
   * How the caller was authenticated: `apiKey`, `jwt`, `oauth`, `local` (stdio: the local user),
   * or a custom authenticator's own name. Absent for the anonymous identity.
   */
  method?: string;
  /** The OAuth client (`client_id`/`azp` claim) or the API key's name. */
  clientId?: string;
  /** Verified claims of a JWT (never the token itself: tokens are not passed to handlers or upstream). */
  claims?: Readonly<Record<string, unknown>>;
  /** When the credential expires, in seconds since the epoch. */
  expiresAt?: number;
  /**
   * `auth.mode: oauth-proxy`: the access token the upstream identity provider issued for this user
   * (decrypted on demand), for calls on the user's behalf to that provider's APIs. Never the token
   * the client presented to this server.
   */
  upstreamToken?: () => Promise<string | undefined>;
}

/** `ctx.auth`: the caller, with its roles always listed (empty when it holds none). */
export type CallerIdentity = AuthIdentity & { roles: string[] };

/** Auth settings of the spec's `auth:` block that the runtime needs (secrets come from the environment). */
export interface AuthManifestEntry {
  mode: 'none' | 'apiKey' | 'jwt' | 'oauth' | (string & {});
  /** `filter` (default): lists show only what the caller may use; `all`: lists show everything. */
  list?: 'filter' | 'all';
  /** Times of day a scope is usable, by scope name (checked at call time). */
  scopeWindows?: Record<string, ScopeWindow>;
  /** `mtls`: client certificate subjects (`CN=...`, `DNS:...`) and the scopes each gets (see the `tls` module). */
  clients?: Record<string, { scopes?: string[]; roles?: string[] }>;
  /** Role name → the scopes it grants; a caller's roles come from its credential. */
  roles?: Record<string, string[]>;
  /** `jwt`/`oauth`/`oauth-proxy`: where roles are in a verified token (a dotted claim path such as `realm_access.roles`). */
  jwt?: { rolesClaim?: string };
}

/** A recurring time window: on `days`, from `from` to `to` (24h `HH:MM`, `to` exclusive) in `timezone`. */
export interface ScopeWindow {
  days?: Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>;
  from?: string;
  to?: string;
  /** IANA time zone (default UTC). */
  timezone?: string;
}

/** The cache handed to handlers (in-memory LRU in dev, Redis in production). */
export interface Cache {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Returns the cached value or computes, stores and returns it. */
  wrap<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T>;
}

/** A `kind: memory` resource's collection, as handlers see it in `ctx.memory.<resource name>`. */
export interface MemoryCollection<T> {
  get(key: string): Promise<T | undefined>;
  /** Stores the value and sends `notifications/resources/updated` for its URI to subscribers on every replica. */
  set(key: string, value: T): Promise<void>;
  /** True when the key existed (subscribers are notified then). */
  delete(key: string): Promise<boolean>;
  /** The collection's keys, sorted. */
  keys(): Promise<string[]>;
}

/** The value type of each `kind: memory` resource, by name (emitted into src/generated/registry.ts). */
export type MemoryTypeMap = Record<string, unknown>;

/**
 * What every handler receives next to its validated input.
 * The variance annotations (`in out DB`, `out M`: what tsc would measure) spare every generated
 * project's type-check from measuring them: measuring `DB` walks all of Kysely's methods, about
 * 0.3 s of `tsc` the first time src/generated/handlers.ts relates a handler to `AnyToolDefinition`
 * (bench/README.md, "Generation").
 */
export interface HandlerContext<in out DB, out M extends MemoryTypeMap = MemoryTypeMap> {
  /** Kysely over SQLite (dev) or PostgreSQL (production); migrations already applied. */
  db: Kysely<DB>;
  cache: Cache;
  /** pino child logger bound to this request (writes to stderr). */
  log: Logger;
  auth: CallerIdentity;
  /** Aborted when the client cancels or the server shuts down. */
  signal: AbortSignal;
  /** Reports progress to the client when it asked for it; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  requestId: string;
  /**
   * Sends a log message to the client (`notifications/message`) when its level passes the level the
   * client set (`logging/setLevel`, or the 2026-07-28 request envelope); also written to `log`.
   * Use `log` for operator logs and `clientLog` only for what the user's client should see.
   */
  clientLog(level: LoggingLevel, data: unknown): Promise<void>;
  /**
   * Asks the user for input through the client (form elicitation) and resolves with the answer
   * (`accept` with `content`, `decline` or `cancel`). On protocol 2026-07-28 the call ends with an
   * input-required result and the handler runs again from the start when the client retries with
   * the answer; on 2025 sessions and stdio the runtime asks the client directly and re-runs the
   * handler the same way. Code before the last `elicit`/`sample` may therefore run more than once:
   * keep side effects after it. The client must declare the elicitation capability.
   */
  elicit(params: ElicitParams, options?: AskOptions): Promise<ElicitResult>;
  /** Asks the client's model for a completion (`sampling/createMessage`); same re-run rules as `elicit`. */
  sample(params: SampleParams, options?: AskOptions): Promise<CreateMessageResult>;
  /** Asks the client for its roots (`roots/list`); same re-run rules as `elicit`. */
  listRoots(options?: AskOptions): Promise<Root[]>;
  /** Asks several questions in one round (`{ key: { elicit } | { sample } | { roots: true } }`); answers by key. */
  input<K extends string>(asks: Record<K, InputAsk>): Promise<Record<K, InputAnswer>>;
  /** What the client declared it supports (2026-07-28: from the request; undefined when unknown). */
  readonly clientCapabilities: ClientCapabilities | undefined;
  /** Resource subscriptions (`resources/subscribe`) of the connected clients. */
  resources: {
    /** Sends `notifications/resources/updated` for `uri` to every connection subscribed to it. */
    updated(uri: string): Promise<void>;
    /** How many connections are subscribed to `uri`. */
    subscribers(uri: string): number;
  };
  /** The `kind: memory` resources' collections by resource name (in-process in dev, Redis with REDIS_URL). */
  memory: { readonly [K in keyof M & string]: MemoryCollection<M[K]> };
}

/** With an output schema a handler returns the typed structured output; without one, text or a raw result. */
export type ToolReturn<Output> = [Output] extends [undefined] ? string | CallToolResult : Output;

export type ToolHandler<Input, Output, DB, M extends MemoryTypeMap = MemoryTypeMap> = (input: Input, ctx: HandlerContext<DB, M>) => Promise<ToolReturn<Output>> | ToolReturn<Output>;

export interface ToolDefinition<Input = never, Output = unknown, DB = unknown, M extends MemoryTypeMap = MemoryTypeMap> {
  kind: 'tool';
  name: string;
  handler: ToolHandler<Input, Output, DB, M>;
}

export interface ResourceListing {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

/** With a schema a resource returns typed data (served as JSON); without one, text or a raw result. */
export type ResourceReturn<Data> = [Data] extends [undefined] ? string | ReadResourceResult : Data;

export interface ResourceHandlers<Params, Data, DB> {
  read(params: Params, ctx: HandlerContext<DB> & { uri: string }): Promise<ResourceReturn<Data>> | ResourceReturn<Data>;
  /** For templates: enumerate concrete resources for `resources/list`. */
  list?(ctx: HandlerContext<DB>): Promise<ResourceListing[]> | ResourceListing[];
  /** For templates: complete a variable's value (`completion/complete`). */
  complete?: { [variable in keyof Params]?: (value: string, ctx: HandlerContext<DB>) => Promise<string[]> | string[] };
}

export interface ResourceDefinition<Params = never, Data = unknown, DB = unknown> {
  kind: 'resource';
  name: string;
  handlers: ResourceHandlers<Params, Data, DB>;
}

/** A string becomes one user message. */
export type PromptReturn = string | GetPromptResult;

export interface PromptDefinition<Args = never, DB = unknown> {
  kind: 'prompt';
  name: string;
  handler: (args: Args, ctx: HandlerContext<DB>) => Promise<PromptReturn> | PromptReturn;
  /** Completes an argument's value (`completion/complete`); `args` holds the arguments already given. */
  complete?: PromptCompleters<Args, DB>;
}

export type PromptCompleters<Args, DB> = {
  [arg in keyof Args]?: (value: string, ctx: HandlerContext<DB> & { args: Partial<Record<keyof Args, string>> }) => Promise<string[]> | string[];
};

/** Per-project type maps emitted into src/generated/registry.ts. */
export type ToolTypeMap = Record<string, { input: unknown; output: unknown }>;
export type ResourceTypeMap = Record<string, { params: unknown; data: unknown }>;
export type PromptTypeMap = Record<string, { args: unknown }>;

/**
 * Builds the typed `defineTool` a project's handlers use:
 * `export default defineTool('get_forecast', async (input, ctx) => ...)`.
 * The name is a value (not only a type argument) so the runtime can check that a handler file
 * implements the tool it is loaded for.
 */
export function createDefineTool<T extends ToolTypeMap, DB, M extends MemoryTypeMap = MemoryTypeMap>() {
  // `NoInfer`: the tool is chosen by `name` alone; inferring `N` from the handler too costs tsc
  // about a quarter of each handler file's check (1,223 files in the GitHub import) for nothing.
  return function defineTool<N extends keyof T & string>(
    name: N,
    handler: NoInfer<ToolHandler<T[N]['input'], T[N]['output'], DB, M>>,
  ): ToolDefinition<T[N]['input'], T[N]['output'], DB, M> {
    return { kind: 'tool', name, handler };
  };
}

export function createDefineResource<T extends ResourceTypeMap, DB>() {
  return function defineResource<N extends keyof T & string>(
    name: N,
    handlers: ResourceHandlers<T[N]['params'], T[N]['data'], DB>,
  ): ResourceDefinition<T[N]['params'], T[N]['data'], DB> {
    return { kind: 'resource', name, handlers };
  };
}

export function createDefinePrompt<T extends PromptTypeMap, DB>() {
  return function definePrompt<N extends keyof T & string>(
    name: N,
    handler: (args: T[N]['args'], ctx: HandlerContext<DB>) => Promise<PromptReturn> | PromptReturn,
    options?: { complete?: PromptCompleters<T[N]['args'], DB> },
  ): PromptDefinition<T[N]['args'], DB> {
    return { kind: 'prompt', name, handler, ...(options?.complete ? { complete: options.complete } : {}) };
  };
}

import type { SchemaDraft } from '../ajv.js';
import type { ResourceSource } from '../../../runtime/src/server/contract.js';

/** A JSON Schema object (the shape the runtime's manifest uses too). */
export type JsonSchemaObject = { [key: string]: unknown };

/** Where a spec entry or schema came from (1-based line and column; 0 when unknown). */
export interface SpecLocation {
  file: string;
  line: number;
  column: number;
  /** JSON pointer into `file`. */
  pointer: string;
}

/**
 * A schema from the spec, resolved into one self-contained JSON Schema: every `$ref` that left
 * the schema's own document is copied into its `$defs` (`definitions` for draft-07) and rewritten
 * to point there; local refs are kept, so recursive schemas stay recursive.
 */
export interface LoadedSchema {
  schema: JsonSchemaObject;
  draft: SchemaDraft;
  /** Absolute path of the schema file, or `<spec file>#<pointer>` for an inline schema. */
  source: string;
  /** Where the schema starts (the file's root, or the inline object in the spec). */
  location: SpecLocation;
  /** Every file this schema was read from (its own file first, then `$ref` targets), absolute. */
  files: string[];
  /** For bundled `$defs` entries: where each was copied from (for error messages). */
  bundled: Record<string, SpecLocation>;
}

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface LoadedTool {
  name: string;
  title?: string;
  description: string;
  input: LoadedSchema;
  output?: LoadedSchema;
  annotations?: ToolAnnotations;
  scopes?: string[];
  rateLimit?: { perMinute: number };
  cache?: { ttlSeconds: number };
  /** Per-call timeout in milliseconds. */
  timeoutMs?: number;
  /** Output budget of one result in tokens (runtime `budgets`). */
  maxOutputTokens?: number;
  /** Pages an over-budget result instead of linking it (spec `pagination`, checked by pagination.ts). */
  pagination?: { cursor: string; items: string; nextCursor: string };
  /** Runs as a task for clients that declare the tasks extension (spec `task`). */
  task?: 'optional' | 'required';
  /** The tool's entry in the spec file. */
  location: SpecLocation;
}

export interface LoadedResource {
  name: string;
  uri: string;
  /** True when `uri` is an RFC 6570 template (has at least one `{variable}`). */
  template: boolean;
  /** Template variable names in order of first appearance (empty for a static URI). */
  variables: string[];
  title?: string;
  description?: string;
  mimeType?: string;
  schema?: LoadedSchema;
  scopes?: string[];
  /** A declarative resource (spec `kind:` and its keys): the runtime serves it with no handler file. */
  source?: ResourceSource;
  location: SpecLocation;
}

export interface LoadedPrompt {
  name: string;
  title?: string;
  description?: string;
  /** Object schema whose properties (all `type: string`) are the prompt's arguments. */
  arguments?: LoadedSchema;
  scopes?: string[];
  location: SpecLocation;
}

/** A tool group (`groups:`): deployed as its own service in the production layout. */
export interface LoadedGroup {
  /** Tool names, in spec order of the group's list. */
  tools: string[];
  replicas?: number;
}

export type AuthMode = 'none' | 'apiKey' | 'jwt' | 'oauth' | 'oauth-proxy' | 'mtls' | 'custom';

/** A weekly window in which a scope is usable (`auth.scopeWindows`). */
export interface ScopeWindowSpec {
  days?: Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>;
  from?: string;
  to?: string;
  timezone?: string;
}

/** The spec's `auth:` block (secrets and URLs are environment variables, not spec keys). */
export interface LoadedAuth {
  mode: AuthMode;
  list?: 'filter' | 'all';
  scopeWindows?: Record<string, ScopeWindowSpec>;
  /** mtls: client certificate subjects (`CN=...`, `DNS:...`, with `*` patterns) and their scopes and roles. */
  clients?: Record<string, { scopes?: string[]; roles?: string[] }>;
  /** Role name → the scopes it grants (every scope is one an entry names). */
  roles?: Record<string, string[]>;
  /** jwt/oauth/oauth-proxy: where a verified token carries roles. */
  jwt?: { rolesClaim?: string };
}
export type Transport = 'stdio' | 'http' | 'websocket';

/** A spec after validation, with defaults applied and every schema resolved. */
export interface LoadedSpec {
  /** Absolute path of the spec file. */
  specPath: string;
  name: string;
  version: string;
  description?: string;
  layout: 'dev' | 'production';
  transports: Transport[];
  /** In spec order (the order of tools/list). */
  tools: LoadedTool[];
  resources: LoadedResource[];
  prompts: LoadedPrompt[];
  auth: LoadedAuth;
  /** Tool groups by name (absent when the spec has none). */
  groups?: Record<string, LoadedGroup>;
  /** Named tool sets (`toolsets:`): names or globs, served with MCP_TOOLSETS. */
  toolsets?: Record<string, { tools: string[]; description?: string }>;
  /** The spec's `limits:` block (absent when the spec has none). */
  limits?: { perCallerPerMinute?: number; timeoutMs?: number; maxJsonDepth?: number; maxStringLength?: number; maxOutputTokens?: number };
  /** The spec's `clients:` block (absent when the spec has none): which profile shapes tools/list. */
  clients?: { profile?: 'auto' | 'full' | 'claude' | 'openai-strict' | 'gemini' | 'vscode' | 'cursor'; outputSchemaDocs?: 'root' | 'full' };
  /** The spec's `discovery:` block (absent when the spec has none). */
  discovery?: { mode?: 'direct' | 'progressive'; pinned?: string[] };
  /** Every file read: the spec first, then schema files in the order first met (absolute paths). */
  sourceFiles: string[];
  /** Text of every file read, keyed like `sourceFiles` (remote documents by URL); for hashing. */
  sources: Map<string, string>;
}

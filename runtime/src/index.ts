/**
 * `@mcpforge/runtime`: what a generated project imports from the package root.
 * Drivers (better-sqlite3) are not loaded from here; see the `storage` subpath.
 */
export type {
  AnyPromptDefinition,
  AnyResourceDefinition,
  AnyToolDefinition,
  AuthIdentity,
  AuthManifestEntry,
  ScopeWindow,
  Cache,
  CompiledValidator,
  CreateServerFactoryOptions,
  HandlerContext,
  JsonSchemaObject,
  Manifest,
  PoolOptions,
  PoolStats,
  PromptArgumentEntry,
  PromptDefinition,
  PromptManifestEntry,
  PromptReturn,
  PromptTypeMap,
  ResourceDefinition,
  ResourceHandlers,
  ResourceListing,
  ResourceManifestEntry,
  ResourceReturn,
  ResourceTypeMap,
  RunServerOptions,
  RunningServer,
  ServerDeps,
  ServerFactory,
  ServerModules,
  ToolDefinition,
  ToolHandler,
  MemoryCollection,
  MemoryTypeMap,
  ResourceSource,
  SqlParamType,
  ToolManifestEntry,
  ToolReturn,
  ToolTypeMap,
} from './server/index.js';
export { ANONYMOUS, createDefinePrompt, createDefineResource, createDefineTool, createServerFactory, runServer } from './server/index.js';
export type { AskOptions, ElicitParams, InputAnswer, InputAsk, SampleParams } from './server/index.js';
export { ErrorCode, ToolError, internalErrorMessage, isToolError } from './errors/index.js';
export type { ToolErrorOptions } from './errors/index.js';

/**
 * The `server` module: the contract with generated code, the server factory and `runServer`.
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
  HandlerContext,
  JsonSchemaObject,
  Manifest,
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
} from './contract.js';
export { createDefinePrompt, createDefineResource, createDefineTool } from './contract.js';
export { ANONYMOUS, createHandlerContext, newRequestId } from './context.js';
export { createServerFactory } from './factory.js';
export type { CreateServerFactoryOptions, PoolOptions, PoolStats, ServerDeps, ServerFactory } from './factory.js';
export { runServer } from './run.js';
export type { AskOptions, ElicitParams, InputAnswer, InputAsk, SampleParams } from './interaction.js';
export type { RunServerOptions, RunningServer } from './run.js';

/**
 * The SDK's record of a registered tool, kept in a compact form.
 *
 * Why: `McpServer.registerTool` makes each tool's record as an object literal with an accessor
 * (`outputSchemaJson`) and six closures (`enable`, `disable`, `remove`, `update`, the accessor's
 * pair) plus an `executor` closure. V8 builds literals with accessors in dictionary mode: ~0.8 KB
 * of property dictionary per tool, ~1.3 KB in all with the closures and their context — per tool
 * *and per SDK instance* (each pooled instance registers every tool). For the bench's 1,000-tool
 * server that was ~1.3 MiB of a 3.5 MiB live-heap difference to the 1-tool server, and 1.3 MiB
 * more for every instance a pool keeps (bench/README.md, "Peak RSS", round eight `h-rss2`).
 *
 * `compactToolRecord` swaps the SDK's record for an instance of `CompactToolRecord`: the same
 * fields as plain in-object properties, the same methods on a prototype shared by all tools,
 * `outputSchemaJson` read once from the SDK's own accessor (the SDK's conversion, so the same
 * value). The SDK reads a record only through these fields and `executor(args, ctx)` (called as a
 * method); `update` does what the SDK's does. When the SDK's record does not have exactly the
 * fields this module knows (another SDK version), the SDK's record is kept as it is.
 */
import type { McpServer } from '@modelcontextprotocol/server';

/** The fields and methods of the SDK's `RegisteredTool` (SDK 2.4), in the SDK's order. */
const KNOWN_FIELDS = [
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'outputSchemaJson',
  'annotations',
  'icons',
  'execution',
  'scopeChallenge',
  '_meta',
  'handler',
  'executor',
  'enabled',
  'disable',
  'enable',
  'remove',
  'update',
].join(',');

type Handler = (...args: unknown[]) => unknown;

/** What the SDK keeps of a server's tools (`McpServer` private fields). */
interface ToolTable {
  _registeredTools: Record<string, unknown>;
  _toolInputSchemaJson: Record<string, unknown>;
  sendToolListChanged(): unknown;
}

interface SdkToolRecord {
  title?: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  outputSchemaJson?: unknown;
  annotations?: unknown;
  icons?: unknown;
  execution?: unknown;
  scopeChallenge?: unknown;
  _meta?: unknown;
  handler: Handler;
  enabled: boolean;
}

/** What `RegisteredTool.update` accepts (the SDK's `update` argument). */
export interface ToolUpdates {
  name?: string | null;
  title?: string;
  description?: string;
  paramsSchema?: unknown;
  outputSchema?: unknown;
  callback?: Handler;
  annotations?: unknown;
  icons?: unknown;
  scopeChallenge?: unknown;
  _meta?: unknown;
  enabled?: boolean;
}

export class CompactToolRecord {
  title: string | undefined;
  description: string | undefined;
  inputSchema: unknown;
  outputSchema: unknown;
  /** The SDK converts it lazily and remembers it; read once from its accessor (same conversion). */
  outputSchemaJson: unknown;
  annotations: unknown;
  icons: unknown;
  execution: unknown;
  scopeChallenge: unknown;
  _meta: unknown;
  handler: Handler;
  enabled: boolean;
  #server: ToolTable;
  #name: string;

  constructor(server: ToolTable, name: string, record: SdkToolRecord) {
    this.#server = server;
    this.#name = name;
    this.title = record.title;
    this.description = record.description;
    this.inputSchema = record.inputSchema;
    this.outputSchema = record.outputSchema;
    this.outputSchemaJson = record.outputSchemaJson;
    this.annotations = record.annotations;
    this.icons = record.icons;
    this.execution = record.execution;
    this.scopeChallenge = record.scopeChallenge;
    this._meta = record._meta;
    this.handler = record.handler;
    this.enabled = record.enabled;
  }

  /** The SDK's `createToolExecutor`: the arguments and context with an input schema, else the context only. */
  async executor(args: unknown, ctx: unknown): Promise<unknown> {
    return this.inputSchema ? this.handler(args, ctx) : this.handler(ctx);
  }

  disable(): void {
    this.update({ enabled: false });
  }

  enable(): void {
    this.update({ enabled: true });
  }

  remove(): void {
    this.update({ name: null });
  }

  /**
   * As the SDK's `RegisteredTool.update`, but for a new output schema (whose conversion is the SDK's
   * own) and the SDK's warning on a new name. Nothing calls it today: `registerTool`'s record is
   * the runtime's (it keeps none) and `_registeredTools` is the SDK's private table.
   */
  update(updates: ToolUpdates): void {
    if (updates.outputSchema !== undefined) {
      throw new Error('A compact tool record cannot take a new output schema: register the tool again (server/compact-tools.ts)');
    }
    const server = this.#server;
    let name = this.#name;
    if (updates.name !== undefined && updates.name !== name) {
      delete server._registeredTools[name];
      delete server._toolInputSchemaJson[name];
      if (updates.name) {
        delete server._toolInputSchemaJson[updates.name];
        server._registeredTools[updates.name] = this;
        this.#name = name = updates.name;
      }
    }
    if (updates.title !== undefined) this.title = updates.title;
    if (updates.description !== undefined) this.description = updates.description;
    if (updates.paramsSchema !== undefined) {
      this.inputSchema = updates.paramsSchema;
      delete server._toolInputSchemaJson[name];
    }
    if (updates.callback !== undefined) this.handler = updates.callback;
    if (updates.annotations !== undefined) this.annotations = updates.annotations;
    if (updates.icons !== undefined) this.icons = updates.icons;
    if (updates.scopeChallenge !== undefined) this.scopeChallenge = updates.scopeChallenge === null ? undefined : updates.scopeChallenge;
    if (updates._meta !== undefined) this._meta = updates._meta;
    if (updates.enabled !== undefined) this.enabled = updates.enabled;
    void server.sendToolListChanged();
  }
}

/**
 * Replaces the record `server.registerTool(name, …)` just made by a `CompactToolRecord` with the
 * same fields; returns whether it did (false: the SDK's record is not one this module knows).
 */
export function compactToolRecord(server: McpServer, name: string): boolean {
  const table = server as unknown as Partial<ToolTable>;
  const tools = table._registeredTools;
  const record = tools?.[name] as SdkToolRecord | undefined;
  if (!record || !table._toolInputSchemaJson || Object.keys(record).join(',') !== KNOWN_FIELDS) return false;
  tools![name] = new CompactToolRecord(table as ToolTable, name, record);
  return true;
}

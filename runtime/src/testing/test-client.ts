/**
 * An in-memory client/server pair for users' tests and generated tests: the real SDK client talks
 * to the real server factory over the SDK's `InMemoryTransport`, with an in-memory SQLite database
 * (migrations applied when a folder is given). No ports, no processes.
 */
import { Client, type ClientCapabilities } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { createMemoryCache } from '../cache/index.js';
import { createLogger, createMetrics, type LogLevel } from '../observability/index.js';
import type { Manifest, ServerModules } from '../server/contract.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import { createDatabase, type Storage } from '../storage/index.js';

export interface TestClientOptions {
  manifest: Manifest;
  modules: ServerModules;
  /** Default `sqlite::memory:`. */
  databaseUrl?: string;
  /** Folder of `NNNN_name.sql` migrations to apply first (for example `new URL('../migrations/', import.meta.url)`). */
  migrations?: string | URL;
  /** Default: `LOG_LEVEL` from the environment, else `silent`. */
  logLevel?: LogLevel;
  logger?: Logger;
  /**
   * Capabilities the test client declares (for handlers that call `ctx.elicit`, `ctx.sample` or
   * `ctx.listRoots`); set the matching answers with `client.setRequestHandler(...)` or `setup`.
   */
  capabilities?: ClientCapabilities;
  /** Tool discovery, as `MCP_DISCOVERY` (default: the spec's, else progressive above 60 tools). */
  discovery?: 'direct' | 'progressive';
  /** Called with the client before it connects: register handlers for server-to-client requests here. */
  setup?: (client: Client) => void;
}

export interface TestClient {
  client: Client;
  factory: ServerFactory;
  storage: Storage;
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const { client, close } = await createTestClient({ manifest, modules, migrations: new URL('../migrations/', import.meta.url) });
 * const result = await client.callTool({ name: 'create_note', arguments: { title: 'x' } });
 * await close();
 * ```
 */
export async function createTestClient(options: TestClientOptions): Promise<TestClient> {
  const storage = await createDatabase(options.databaseUrl ?? 'sqlite::memory:');
  try {
    if (options.migrations) await storage.migrate(options.migrations);
    const logger = options.logger ?? createLogger({ level: options.logLevel ?? ((process.env.LOG_LEVEL as LogLevel | undefined) || 'silent') });
    const factory = await createServerFactory({
      manifest: options.manifest,
      modules: options.modules,
      ...(options.discovery === undefined ? {} : { discovery: options.discovery }),
      deps: { db: storage.db, logger, metrics: createMetrics(), cache: createMemoryCache() },
    });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const server = factory();
    await server.connect(serverTransport);
    const client = new Client({ name: 'mcpforge-test', version: '0.0.0' }, options.capabilities ? { capabilities: options.capabilities } : undefined);
    options.setup?.(client);
    await client.connect(clientTransport);
    let closed = false;
    return {
      client,
      factory,
      storage,
      async close() {
        if (closed) return;
        closed = true;
        await client.close().catch(() => {});
        await server.close().catch(() => {});
        factory.abortAll('test client closed');
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

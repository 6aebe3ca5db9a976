/**
 * Declarative resources (spec `kind: files | sql | http | memory`): resources the runtime serves
 * from the manifest alone, with no handler file. The factory asks this module for the definition
 * of every such resource the project did not write a handler for, and registers it like any other,
 * so reads, lists and subscriptions go through the same policy stage (scopes, audit, errors).
 *
 * @example
 * ```ts
 * const declared = createDeclarativeResources(manifest, { projectRoot, db, cache, logger, memory: createInProcessMemoryStore(), updated });
 * declared.definition('docs'); // a ResourceDefinition for resource "docs"
 * ```
 */
import type { AnyResourceDefinition, Manifest, MemoryCollection } from '../server/contract.js';
import { filesResource } from './files.js';
import { httpResource } from './http.js';
import { memoryCollection, memoryResource, memoryUri } from './memory.js';
import type { DeclarativeOptions, DeclarativeResource } from './shared.js';
import { sqlResource } from './sql.js';
import { resourceForUri } from '../server/resource-uri.js';

export { createInProcessMemoryStore, createRedisMemoryStore, type MemoryStore, type MemoryChange } from './memory-store.js';
export { parseSqlText, readOnlyProblem, type SqlText } from './sql-text.js';
export { expandUrl, hostAllowed } from './http.js';
export type { DeclarativeOptions } from './shared.js';

export interface DeclarativeResources {
  /** The built-in definition of a declarative resource (by manifest key), or undefined. */
  definition(key: string): AnyResourceDefinition | undefined;
  /** `ctx.memory`: one collection per `kind: memory` resource, by resource name. */
  readonly memory: Record<string, MemoryCollection<unknown>>;
  /** A URI gained its first subscriber or lost its last (starts and stops file watchers). */
  subscription(uri: string, on: boolean): void;
  close(): Promise<void>;
}

export function createDeclarativeResources(manifest: Manifest, options: DeclarativeOptions): DeclarativeResources {
  const built = new Map<string, DeclarativeResource>();
  const byName = new Map<string, DeclarativeResource>();
  const memory: Record<string, MemoryCollection<unknown>> = {};
  const memoryUris = new Map<string, (key: string) => string>();
  for (const [key, entry] of Object.entries(manifest.resources)) {
    const source = entry.source;
    if (!source) continue;
    let resource: DeclarativeResource;
    switch (source.kind) {
      case 'files':
        resource = filesResource(entry, source, options);
        break;
      case 'sql':
        resource = sqlResource(entry, source, options);
        break;
      case 'http':
        resource = httpResource(entry, source, options);
        break;
      case 'memory': {
        const collection = memoryCollection(entry, source, options.memory);
        memory[entry.name] = collection;
        memoryUris.set(entry.name, memoryUri(entry));
        resource = memoryResource(entry, collection);
        break;
      }
      default:
        throw new Error(`Resource "${entry.name}" has an unknown kind ${JSON.stringify((source as { kind: unknown }).kind)}; run \`mcpforge generate\` with this runtime's version.`);
    }
    built.set(key, resource);
    byName.set(entry.name, resource);
  }
  // Memory changes arrive here from every replica (the store fans them out); each becomes an
  // update for this replica's subscribers of that key's URI.
  if (memoryUris.size > 0) {
    options.memory.onChange((collection, key) => {
      const uriOf = memoryUris.get(collection);
      if (uriOf) void options.updated(uriOf(key));
    });
  }
  return {
    definition(key) {
      const resource = built.get(key);
      const entry = manifest.resources[key];
      if (!resource || !entry) return undefined;
      const list = resource.list;
      return {
        kind: 'resource',
        name: entry.name,
        handlers: {
          read: (params: Record<string, unknown>, ctx: { uri: string }) => resource.read(params, ctx.uri),
          ...(list ? { list: () => list() } : {}),
        },
      } as AnyResourceDefinition;
    },
    memory,
    subscription(uri, on) {
      const entry = resourceForUri(manifest, uri);
      if (entry) byName.get(entry.name)?.subscription?.(uri, on);
    },
    async close() {
      for (const resource of built.values()) await resource.close?.();
      // The store is this module's alone (its Redis subscriber connection, in production).
      await options.memory.close();
    },
  };
}

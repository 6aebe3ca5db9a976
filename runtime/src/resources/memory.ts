/**
 * `kind: memory`: a key/value collection that tools write through `ctx.memory.<name>` and clients
 * read as resources (one URI per key, from the template's single variable), listed by key and
 * announced to subscribers on every replica when a key changes.
 */
import { UriTemplate } from '@modelcontextprotocol/server';
import { ErrorCode, ToolError } from '../errors/index.js';
import type { CompiledValidator, MemoryCollection, ResourceManifestEntry } from '../server/contract.js';
import { compileValidator, formatValidationErrors } from '../validation/index.js';
import type { MemoryStore } from './memory-store.js';
import { decodeVariable, type DeclarativeResource } from './shared.js';

type MemorySource = Extract<NonNullable<ResourceManifestEntry['source']>, { kind: 'memory' }>;

/** Longest key accepted: keys are part of URIs and Redis key names. */
export const MAX_MEMORY_KEY_LENGTH = 512;

export function memoryUri(entry: ResourceManifestEntry): (key: string) => string {
  const template = new UriTemplate(entry.uri);
  const variable = entry.variables[0]!;
  return (key) => template.expand({ [variable]: key });
}

export function memoryCollection(entry: ResourceManifestEntry, source: MemorySource, store: MemoryStore): MemoryCollection<unknown> {
  const check = (key: string) => {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_MEMORY_KEY_LENGTH) {
      throw new ToolError(`A key of memory "${entry.name}" must be 1 to ${MAX_MEMORY_KEY_LENGTH} characters.`);
    }
    return key;
  };
  // With a schema, a value that does not match is refused when written, not when a client reads it.
  let validate: CompiledValidator | undefined;
  const checkValue = (value: unknown) => {
    if (!entry.schema) return value;
    validate ??= compileValidator(entry.schema);
    if (!validate(value)) throw new ToolError(`A value written to memory "${entry.name}" does not match its schema: ${formatValidationErrors(validate.errors)}.`, { code: ErrorCode.InvalidArguments });
    return value;
  };
  return {
    get: (key) => store.get(entry.name, check(key)),
    set: async (key, value) => store.set(entry.name, check(key), checkValue(value), source.ttlSeconds),
    delete: (key) => store.delete(entry.name, check(key)),
    keys: () => store.keys(entry.name),
  };
}

export function memoryResource(entry: ResourceManifestEntry, collection: MemoryCollection<unknown>): DeclarativeResource {
  const variable = entry.variables[0]!;
  const uriOf = memoryUri(entry);
  return {
    async read(params, uri) {
      const key = decodeVariable(params[variable], variable);
      const value = await collection.get(key);
      if (value === undefined) throw new ToolError(`No key "${key}" in memory "${entry.name}".`, { code: ErrorCode.NotFound });
      // With a schema the runtime validates the data and serialises it (server/results.ts).
      if (entry.schema) return value;
      return { contents: [{ uri, mimeType: entry.mimeType ?? 'application/json', text: JSON.stringify(value) }] };
    },
    async list() {
      return (await collection.keys()).map((key) => ({ uri: uriOf(key), name: key, mimeType: entry.mimeType ?? 'application/json' }));
    },
  };
}

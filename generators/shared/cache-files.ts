/**
 * Where generation keeps what it reuses between runs, in the project. A module of its own with
 * no imports: `generate`'s no-op check loads only node built-ins and these names.
 */

/** Content hashes of what the last generation read and wrote (merge/sync.ts, CacheRecord). */
export const CACHE_FILE = '.mcpforge/cache.json';

/** The spec's parse and the positions asked of it (spec/spec-document-cache.ts). */
export const SPEC_DOCUMENT_FILE = '.mcpforge/spec-document.json';

/** Contract cases of tools whose cases needed ajv (codegen/contract-cache.ts). */
export const CONTRACT_CACHE_FILE = '.mcpforge/contract-tests.json';

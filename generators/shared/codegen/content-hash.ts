import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedSpec } from '../spec/types.js';

/**
 * sha256 over everything generation reads (the spec, every schema file, remote documents) and the
 * generator version: equal hashes mean a regeneration would write the same files. Paths are
 * relative to the spec so moving the project does not change the hash.
 */
export function contentHash(spec: LoadedSpec, generatorVersion: string): string {
  const hash = createHash('sha256');
  hash.update(`mcpforge-generator\0${generatorVersion}\0`);
  const base = path.dirname(spec.specPath);
  const entries = [...spec.sources].map(([location, text]) => [/^https?:/i.test(location) ? location : path.relative(base, location).split(path.sep).join('/'), text] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [location, text] of entries) hash.update(`${location}\0${text.length}\0${text}\0`);
  return hash.digest('hex');
}

/** sha256 of a JSON-serialisable value (key order as given: callers build values deterministically). */
export function entryKey(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * `sha256` that remembers its answers for one run: a regeneration hashes the same texts several
 * times (a reused file to check it, then for the new cache; a source file to trust its
 * validation, then for the cache), 11,000 hashes for 1,000 tools. Equal texts are often the
 * very same string, so the lookup is cheap.
 */
export function memoSha256(seed?: ReadonlyMap<string, string>): (text: string) => string {
  // `seed`: texts whose hash is known already (files proven unchanged since the cache recorded them).
  const known = new Map<string, string>(seed);
  return (text) => {
    let hash = known.get(text);
    if (hash === undefined) known.set(text, (hash = sha256(text)));
    return hash;
  };
}

let fingerprint: string | undefined;

/**
 * Identifies the code generator itself: the toolkit version and the source of generators/shared
 * (codegen, spec, merge). Any change to either invalidates the generation cache, so a cached
 * file is never one an older generator wrote.
 */
export function generatorFingerprint(): string {
  if (fingerprint) return fingerprint;
  const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|ts|json)$/.test(entry.name) && !/\.(test|map)\./.test(entry.name)) hash.update(`${path.relative(shared, full)}\0${readFileSync(full)}\0`);
    }
  };
  walk(shared);
  fingerprint = hash.digest('hex');
  return fingerprint;
}

import { createHash } from 'node:crypto';
import path from 'node:path';
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

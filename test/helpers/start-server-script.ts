/**
 * A server entry for a manifest without generating a project: `manifest.json` plus `server.mjs`
 * that starts it the way generated projects do (templates/app/src/server.ts: `startServer` from
 * the runtime's bundle, the manifest read from JSON). Tests pass the modules and extra lines.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TOOLKIT_ROOT } from './toolkit.js';

/** The URL of a module of the runtime's bundle: what the package's exports load. */
export const runtimeBundle = (sub: string): string => pathToFileURL(join(TOOLKIT_ROOT, 'runtime', 'dist', 'bundle', sub)).href;

export interface StartServerScript {
  /** Lines after `manifest` is read and before `startServer` (they may use `manifest`). */
  setup?: string[];
  /** The `modules` option, as source. */
  modules: string;
  /** The project root, as source; the script's own directory by default. */
  projectRoot?: string;
  /** More `startServer` options, as object-literal source. */
  options?: string;
}

/** Writes `manifest.json` and `server.mjs` into `root`; returns the entry's path. */
export function writeStartServer(root: string, manifest: object, script: StartServerScript): string {
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(manifest));
  const entry = join(root, 'server.mjs');
  const options = [`manifest`, `modules: ${script.modules}`, `projectRoot: ${script.projectRoot ?? "new URL('./', import.meta.url)"}`, ...(script.options ? [script.options] : [])];
  writeFileSync(
    entry,
    [
      "import { readFileSync } from 'node:fs';",
      `import { startServer } from '${runtimeBundle('start/index.js')}';`,
      "const manifest = JSON.parse(readFileSync(new URL('./manifest.json', import.meta.url), 'utf8'));",
      ...(script.setup ?? []),
      `await startServer({ ${options.join(', ')} });`,
    ].join('\n'),
  );
  return entry;
}

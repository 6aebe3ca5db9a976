/**
 * A server for a manifest without generating a project: the runtime's `startServer` over
 * `manifest.json`, each tool's handler written as one expression of `k` (the tool's key) and
 * `input`, inputs (and outputs, when asked) checked by the runtime's standalone validator.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

export interface ManifestServer {
  /** Lines run before the tools are built (data and functions the handler expression uses). */
  setup?: string[];
  /** The handler for tool `k`: an expression, e.g. `(input) => JSON.stringify(input)`. */
  handler: string;
  validateOutput?: boolean;
  /** Extra `startServer` (`runServer`) options, as object-literal source (e.g. `...(authenticator ? { authenticator } : {})`). */
  runOptions?: string;
}

/** Writes `server.mjs`, `manifest.json` and an empty `migrations/` into `root`; returns the entry. */
export function writeManifestServer(root: string, manifest: object, server: ManifestServer): string {
  const runtime = (sub: string) => pathToFileURL(join(TOOLKIT_ROOT, 'runtime', 'dist', 'bundle', sub)).href; // what package.json's exports load
  mkdirSync(join(root, 'migrations'), { recursive: true });
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(manifest));
  const entry = join(root, 'server.mjs');
  writeFileSync(
    entry,
    [
      "import { readFileSync } from 'node:fs';",
      `import { createDefineTool } from '${runtime('index.js')}';`,
      // The entry generated projects use (templates/app/src/server.ts): runServer behind the stdio early answer.
      `import { startServer } from '${runtime('start/index.js')}';`,
      `import { standaloneValidator } from '${runtime('testing/index.js')}';`,
      "const manifest = JSON.parse(readFileSync(new URL('./manifest.json', import.meta.url), 'utf8'));",
      'const defineTool = createDefineTool();',
      ...(server.setup ?? []),
      'const tools = Object.fromEntries(Object.keys(manifest.tools).map((k) => [k, {',
      `  handler: async () => ({ default: defineTool(k, ${server.handler}) }),`,
      '  validateInput: async () => ({ default: standaloneValidator(manifest.tools[k].inputSchema) }),',
      ...(server.validateOutput ? ['  ...(manifest.tools[k].outputSchema ? { validateOutput: async () => ({ default: standaloneValidator(manifest.tools[k].outputSchema) }) } : {}),'] : []),
      '}]));',
      `await startServer({ manifest, modules: { tools, resources: {}, prompts: {} }, projectRoot: new URL(process.env.PROJECT_ROOT)${server.runOptions ? `, ${server.runOptions}` : ''} });`,
    ].join('\n'),
  );
  return entry;
}

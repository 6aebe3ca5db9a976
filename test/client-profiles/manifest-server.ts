/**
 * A server for a manifest without generating a project: the runtime's `startServer` over
 * `manifest.json`, each tool's handler written as one expression of `k` (the tool's key) and
 * `input`, inputs (and outputs, when asked) checked by the runtime's standalone validator.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeBundle, writeStartServer } from '../helpers/start-server-script.js';

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
  mkdirSync(join(root, 'migrations'), { recursive: true });
  return writeStartServer(root, manifest, {
    setup: [
      `const { createDefineTool } = await import('${runtimeBundle('index.js')}');`,
      `const { standaloneValidator } = await import('${runtimeBundle('testing/index.js')}');`,
      'const defineTool = createDefineTool();',
      ...(server.setup ?? []),
      'const tools = Object.fromEntries(Object.keys(manifest.tools).map((k) => [k, {',
      `  handler: async () => ({ default: defineTool(k, ${server.handler}) }),`,
      '  validateInput: async () => ({ default: standaloneValidator(manifest.tools[k].inputSchema) }),',
      ...(server.validateOutput ? ['  ...(manifest.tools[k].outputSchema ? { validateOutput: async () => ({ default: standaloneValidator(manifest.tools[k].outputSchema) }) } : {}),'] : []),
      '}]));',
    ],
    modules: '{ tools, resources: {}, prompts: {} }',
    projectRoot: 'new URL(process.env.PROJECT_ROOT)',
    ...(server.runOptions ? { options: server.runOptions } : {}),
  });
}

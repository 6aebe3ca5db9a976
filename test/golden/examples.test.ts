/**
 * Golden outputs: every example project as `mcpforge new` plans it is committed under examples/
 * and compared file by file (update with `npx vitest run test/golden -u`), and each one
 * type-checks with `tsc --noEmit` under `strict`, with TypeScript 7 and 5.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { planNewProject } from '../../generators/app/plan.js';
import type { ExampleChoice, Layout } from '../../generators/app/options.js';
import type { AuthModeChoice } from '../../generators/upgrade/auth.js';
import { COMPILERS } from '../helpers/compilers.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const EXAMPLES: Array<{ example: ExampleChoice; name: string; layout?: Layout; auth?: AuthModeChoice }> = [
  { example: 'notes', name: 'notes' },
  { example: 'weather', name: 'weather' },
  { example: 'files', name: 'files' },
  { example: 'all', name: 'all' },
  { example: 'none', name: 'none' },
  // `new --layout production`: the notes example with the upgrade to production applied.
  { example: 'notes', name: 'notes-production', layout: 'production' },
  // `new --auth oauth-proxy`: the spec's auth.mode and the MCP_OAUTH_* block of .env.example.
  { example: 'notes', name: 'notes-oauth-proxy', auth: 'oauth-proxy' },
];
const RUNTIME_SPEC = 'file:vendor/mcpforge-runtime-0.1.0.tgz';
const CLI_SPEC = 'file:vendor/mcpforge-0.1.0.tgz';
const IGNORED = new Set(['node_modules', 'dist', 'vendor', 'data']);

function listProject(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (IGNORED.has(entry.name)) return [];
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listProject(join(dir, entry.name), rel) : [rel];
  });
}

describe.each(EXAMPLES)('examples/$name', ({ example, name, layout = 'dev', auth }) => {
  const dir = join(TOOLKIT_ROOT, 'examples', name);

  it('matches the committed golden files', async () => {
    const { files } = await planNewProject(
      { name, example, transports: ['stdio', 'http'], layout, ...(auth ? { auth } : {}) },
      { toolkitRoot: TOOLKIT_ROOT, projectDir: `/path/to/${name}`, runtime: { spec: RUNTIME_SPEC }, cli: { spec: CLI_SPEC } },
    );
    for (const [path, content] of files) {
      await expect(content.toString(), path).toMatchFileSnapshot(join(dir, path));
    }
    // Nothing stale left behind in the golden folder.
    expect(listProject(dir).sort()).toEqual([...files.keys()].sort());
  });

  // With the TypeScript the project declares (7; test/typescript-7) and with TypeScript 5, which
  // projects made before the template moved to 7 keep.
  it.each(COMPILERS)('type-checks under strict ($label, tsc --noEmit)', async ({ tsc }) => {
    const result = await execa(tsc, ['--noEmit', '-p', join(dir, 'tsconfig.json')], { cwd: TOOLKIT_ROOT, all: true, reject: false });
    expect(result.exitCode, result.all).toBe(0);
  });
});
